// Access control: the authorization matrix (every HTTP route of api_router::routes(), the
// WebSocket upgrade and every WebSocket message type, tried as nobody, a user of another
// partnership, a coordinator, an administrator who is not in the unit, and a member; only the
// allowed succeed and the refused change nothing) and its privacy rows (a partner's reflection
// answers, evidence and rating, of the unit's reflection and of a lesson check-in, in no reply to
// anyone else and no WebSocket message until every member has submitted), another unit's nested
// ids (reflections, action items, student notes) refused in one's own unit, members removed or
// made coordinator while connected, invitations (bound to their role), CSRF and the cookie's
// attributes, brute-force limits, sessions that end (signed out, expired, deleted by the command
// line, a password change) closing their WebSockets, password rules and the audit log.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <regex>
#include <set>

#include "auth/session_cookie.hpp"
#include "auth/tokens.hpp"
#include "net/api_router.hpp"
#include "support/test_server.hpp"
#include "support/unit_writer.hpp"
#include "unit/client_message.hpp"
#include "unit/unit_subscriber.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

// Every row of the tables a request could change (not sessions, snapshots or the audit log).
std::string fingerprint(const std::string& db_path) {
  store::database db(db_path, {});
  std::string all;
  for (const char* table : {"users", "partnerships", "partnership_members", "units", "unit_members", "oplog", "reflections",
                            "reflection_answers", "action_items", "invitations", "schools", "coordinator_schools", "student_notes"}) {
    auto st = db.prepare(std::string("SELECT * FROM ") + table + " ORDER BY 1");
    all += table;
    while (st.step())
      for (int c = 0; c < st.columns(); ++c) all += "|" + st.text(c);
  }
  return all;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The newest audit log entry with `action`, as an administrator reads it (null if there is none).
json audit_entry(unsigned short port, const std::string& admin_cookie, const std::string& action) {
  auto audit = http_call(port, http::verb::get, "/api/admin/audit", "", admin_cookie);
  EXPECT_EQ(audit.status, 200u) << audit.body.dump();
  json newest;
  for (const auto& e : audit.body["entries"])
    if (e["action"] == action && (newest.is_null() || e["id"].get<std::int64_t>() > newest["id"].get<std::int64_t>())) newest = e;
  return newest;
}

// A plus-delta reflection of `unit` that both of its members (cookies `a` and `b`) answer and
// submit, so it is revealed and its delta line is an action item in the partnership's later
// units. Returns the reflection's id.
std::string revealed_reflection(unsigned short port, const std::string& unit, const std::string& a, const std::string& b) {
  auto base = "/api/units/" + unit + "/reflections";
  auto started = http_call(port, http::verb::post, base, R"({"kind":"unit","protocol":"plus-delta"})", a);
  EXPECT_EQ(started.status, 201u) << started.body.dump();
  auto rid = std::to_string(started.body["reflection"]["id"].get<int>());
  json revealed;
  for (const auto& who : {a, b}) {
    auto saved = http_call(port, http::verb::post, base + "/" + rid,
                           R"({"protocol":"plus-delta","answers":{"delta":{"text":"Book the lab earlier"}}})", who);
    EXPECT_EQ(saved.status, 200u) << saved.body.dump();
    revealed = http_call(port, http::verb::post, base + "/" + rid + "/submit", "{}", who).body;
  }
  EXPECT_EQ(revealed["reflection"]["state"], "revealed") << revealed.dump();
  return rid;
}

// The people the authorization matrix tries besides the unit's members: a signed-out client, a
// user of another partnership, the coordinator of the partners' school and an administrator (the
// last two with rows left in unit_members from an earlier role: a coordinator or an administrator
// is never a member of a unit, whatever unit_members says).
struct non_members {
  std::int64_t coordinator = 0, admin = 0;
  std::map<std::string, std::string> cookies;  // "nobody", "outsider", "coordinator", "admin"
};

non_members non_members_of(test_server& ts) {
  auto& accounts = ts.server().accounts();
  const auto& h = ts.server().hasher();
  non_members n;
  n.coordinator = accounts.create_user("coord", "Cora Coordinator", "coordinator", h.hash("correct horse"));
  auto school = accounts.create_school("Hillside Middle");
  accounts.assign_coordinator(n.coordinator, school);
  for (auto partner : {ts.lib(), ts.tea()}) accounts.set_user_school(partner, school);
  n.admin = accounts.create_user("admin", "Ada Admin", "admin", h.hash("correct horse"));
  auto unit_row = accounts.unit_by_public_id(ts.unit())->id;
  accounts.add_unit_member(unit_row, n.coordinator);
  accounts.add_unit_member(unit_row, n.admin);
  n.cookies = {{"nobody", ""},
               {"outsider", sign_in(ts.port(), "out")},
               {"coordinator", sign_in(ts.port(), "coord")},
               {"admin", sign_in(ts.port(), "admin")}};
  return n;
}

// A route's path with each {name} of its pattern replaced by params[name]; fails the test on a
// parameter it has no value for.
std::string route_path(const std::string& pattern, const std::map<std::string, std::string>& params) {
  auto path = pattern;
  for (const auto& [name, value] : params) path = std::regex_replace(path, std::regex("\\{" + name + "\\}"), value);
  EXPECT_EQ(path.find('{'), std::string::npos) << "the test does not know a parameter of " << pattern;
  return path;
}

bool refused(unsigned status, const json& body) {
  auto code = body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  return (status == 401 && code == "signed_out") || (status == 403 && code == "forbidden") ||
         (status == 404 && code == "unknown_unit");
}

// A unit subscriber that records what the unit's authority tells it (as a WebSocket would).
class recording_subscriber : public unit::unit_subscriber {
public:
  void deliver(std::shared_ptr<const std::string> message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(json::parse(*message));
    changed_.notify_all();
  }
  void close_from_unit(const std::string& code) override {
    std::lock_guard lock(mutex_);
    closed_ = code;
    changed_.notify_all();
  }
  // The code it was closed with, or "" after `timeout`.
  std::string wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return !closed_.empty(); });
    return closed_;
  }
  std::vector<json> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<json> messages_;  // guarded by mutex_
  std::string closed_;          // guarded by mutex_
};

}  // namespace

TEST(Access, AuthorizationMatrixCoversEveryRouteAndMessage) {
  test_server ts;
  auto& accounts = ts.server().accounts();
  auto people = non_members_of(ts);
  auto coord = people.coordinator, admin = people.admin;
  auto cookies = people.cookies;
  cookies["member"] = sign_in(ts.port(), "lib");
  // Something for the {rid}, {item} and {token} routes to point at.
  auto rid = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/reflections",
                       R"({"kind":"unit","protocol":"plus-delta"})", cookies["member"]).body["reflection"]["id"].get<int>();
  auto invitation = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/invitations", R"({"role":"teacher"})",
                              cookies["member"]).body["link"].get<std::string>();
  auto out_id = ts.out();
  auto db_path = ts.dir().file("coplan.db");

  auto allowed = [](net::access need, const std::string& who) {
    switch (need) {
      case net::access::anyone: return true;
      case net::access::signed_in: return who != "nobody";
      case net::access::member: return who == "member";
      case net::access::coordinator: return who == "coordinator" || who == "admin";
      case net::access::admin: return who == "admin";
    }
    return false;
  };
  // Allowed calls whose example is refused by the handler itself (never by the access check),
  // each for a reason; every other allowed call must succeed (2xx).
  std::map<std::pair<std::string, std::string>, std::string> handler_refusals{
      // Coordinators and administrators are in no partnership (and may not make units).
      {{"POST /api/units", "coordinator"}, "unknown_partnership"},
      {{"POST /api/units", "admin"}, "unknown_partnership"},
      // Action items reach a unit from the partnership's earlier units only; this one has none
      // (tests/review/reflection_test.cpp marks real ones done).
      {{"POST /api/units/{id}/action-items/{item}", "member"}, "unknown_item"},
  };
  for (const char* who : {"nobody", "outsider", "coordinator", "admin", "member"}) {
    // The example's current password is wrong on purpose: changing it would end the session.
    if (std::string(who) != "nobody") handler_refusals[{"POST /api/me/password", who}] = "bad_credentials";
    // Accepting is tested on its own (below); here the token is one nobody holds.
    handler_refusals[{"POST /api/invitations/{token}/accept", who}] = "invitation_invalid";
  }
  // Set-up a route needs before it can succeed.
  const std::map<std::string, std::function<void()>> prepare{
      // Facets are agreed once every member has submitted: the member submits in the matrix (the
      // route before), the partner here.
      {"POST /api/units/{id}/reflections/{rid}/agree",
       [&] {
         auto r = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/reflections/" + std::to_string(rid) + "/submit",
                            "{}", sign_in(ts.port(), "tea"));
         ASSERT_EQ(r.status, 200u) << r.body.dump();
       }},
  };
  std::size_t tried = 0;
  for (const auto& r : net::api_router::routes()) {
    if (r.method == http::verb::post && std::string(r.pattern) == "/api/signout") continue;  // would end the test's sessions
    auto route = std::string(http::to_string(r.method)) + " " + std::string(r.pattern);
    if (prepare.count(route)) prepare.at(route)();
    auto path = route_path(std::string(r.pattern), {{"id", ts.unit()},
                                       {"op", "0"},
                                       {"rid", std::to_string(rid)},
                                       {"item", "1"},
                                       {"token", std::string(r.pattern).ends_with("/accept") ? "no-such-token"
                                                                                             : invitation.substr(invitation.rfind('/') + 1)},
                                       {"name", "ubd"},
                                       {"uid", std::to_string(out_id)},
                                       {"note", "1"}});
    ASSERT_EQ(path.find('{'), std::string::npos);
    // The denying principals first, so the allowed ones (which may change state) come last.
    for (const char* who : {"nobody", "outsider", "coordinator", "admin", "member"}) {
      std::string body(r.example_body);
      if (std::string(r.pattern) == "/api/signin") body = R"({"username":"lib","password":"correct horse"})";
      if (std::string(r.pattern) == "/api/units" && r.method == http::verb::post && std::string(who) == "outsider")
        body = json{{"partnership", ts.other_partnership()}, {"title", "Theirs"}}.dump();  // their own partnership
      auto before = fingerprint(db_path);
      auto res = http_call(ts.port(), r.method, path, body, cookies[who]);
      bool ok = allowed(r.need, who);
      SCOPED_TRACE(route + " as " + who + " -> " +
                   std::to_string(res.status) + " " + res.body.dump().substr(0, 200));
      EXPECT_EQ(refused(res.status, res.body), !ok);
      auto expected_refusal = handler_refusals.find({route, who});
      if (ok && expected_refusal == handler_refusals.end()) {
        EXPECT_GE(res.status, 200u) << "an allowed request did not succeed";
        EXPECT_LT(res.status, 300u) << "an allowed request did not succeed";
      } else if (ok) {
        EXPECT_EQ(res.body["error"]["code"], expected_refusal->second);
      }
      if (!ok || expected_refusal != handler_refusals.end()) {
        EXPECT_EQ(fingerprint(db_path), before) << "a refused request changed something";
      }
      ++tried;
    }
  }
  EXPECT_EQ(tried, (net::api_router::routes().size() - 1) * 5);

  // The WebSocket upgrade: only members get in; the refused change nothing. (Sign in again: the
  // matrix above had the administrator change the outsider's role, which ends their sessions.)
  cookies["outsider"] = sign_in(ts.port(), "out");
  for (const char* who : {"nobody", "outsider", "coordinator", "admin"}) {
    auto before = fingerprint(db_path);
    client::ws_client c;
    unsigned status = 0;
    EXPECT_FALSE(c.connect("127.0.0.1", ts.port(), ts.ws_path(), cookies[who], "", &status)) << who;
    EXPECT_EQ(status, std::string(who) == "nobody" ? 401u : 404u) << who;
    EXPECT_EQ(fingerprint(db_path), before) << who;
  }
  client::ws_client m, partner, watcher;
  ASSERT_TRUE(m.connect("127.0.0.1", ts.port(), ts.ws_path(), cookies["member"]));
  auto tea = sign_in(ts.port(), "tea");
  ASSERT_TRUE(partner.connect("127.0.0.1", ts.port(), ts.ws_path(), tea));
  partner.hello("partner");
  ASSERT_TRUE(watcher.connect("127.0.0.1", ts.port(), ts.ws_path(), tea));
  watcher.hello("watcher");
  watcher.expect("online");
  const std::map<std::string, json> examples{
      {"hello", {{"type", "hello"}, {"clientID", "matrix"}}},
      {"push", {{"type", "push"}, {"stream", "unit.goals"}, {"version", 0}, {"updates", {{{"clientID", "matrix"}, {"changes", {{0, "x"}}}}}}}},
      {"cmd", {{"type", "cmd"}, {"clientID", "matrix"}, {"seq", 1}, {"cmd", {{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", "5"}}}}},
      {"presence", {{"type", "presence"}, {"stream", "unit.goals"}, {"anchor", 0}, {"head", 0}}},
      {"ping", {{"type", "ping"}}}};

  // Every message type as someone who is not a member, given to the unit's authority as the
  // connection would give it (had the upgrade let them in, or had they lost their membership
  // since): refused with not_a_member, the connection closed, nothing changed, nobody told.
  auto authority = ts.server().registry().open(*accounts.unit_by_public_id(ts.unit()));
  const std::map<std::string, std::int64_t> outsiders{{"outsider", out_id}, {"coordinator", coord}, {"admin", admin}};
  for (const auto& type : unit::client_message_types()) {
    ASSERT_TRUE(examples.count(type)) << "no example for WebSocket message " << type;
    for (const auto& [who, id] : outsiders) {
      SCOPED_TRACE(type + " as " + who);
      auto before = fingerprint(db_path);
      auto sub = std::make_shared<recording_subscriber>();
      auto msg = unit::parse_client_message(examples.at(type).dump(), ts.server().registry().limits());
      if (auto* hello = std::get_if<unit::hello_msg>(&msg)) authority->join(sub, static_cast<std::uint32_t>(id), *hello);
      else authority->handle(sub, static_cast<std::uint32_t>(id), msg);
      EXPECT_EQ(sub->wait_closed(), "not_a_member");
      auto got = sub->messages();
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0]["type"], "error");
      EXPECT_EQ(got[0]["code"], "not_a_member");
      EXPECT_EQ(fingerprint(db_path), before);
    }
  }
  // (recv's timeout closes the watcher; the partner's first updates below are the member's.)
  EXPECT_FALSE(watcher.recv(std::chrono::milliseconds(300))) << "a refused message reached a member";

  // The member: every type is served, and does what it says. (The matrix above restored the
  // field, and the unit was reloaded since: the push is made at the version the welcome gives.)
  std::uint64_t goals_version = 0;
  for (const auto& type : unit::client_message_types()) {
    SCOPED_TRACE(type + " as member");
    auto message = examples.at(type);
    if (type == "push") message["version"] = goals_version;
    m.send(message);
    if (type == "hello") {
      auto welcome = m.expect("welcome");
      EXPECT_EQ(welcome["you"]["id"], ts.lib());
      ASSERT_EQ(welcome["streams"]["unit.goals"]["text"], "");
      goals_version = welcome["streams"]["unit.goals"]["version"];
    } else if (type == "push") {
      auto updates = m.expect("updates");
      EXPECT_EQ(updates["updates"][0]["clientID"], "matrix");
      EXPECT_EQ(updates["updates"][0]["author"], ts.lib());
      auto pushed = m.expect("pushed");
      EXPECT_TRUE(pushed["ok"].get<bool>()) << pushed.dump();
      EXPECT_EQ(pushed["version"], goals_version + 1);
      EXPECT_EQ(partner.expect("updates")["updates"][0]["changes"], json::array({json::array({0, "x"})}));
    } else if (type == "cmd") {
      auto cmd = m.expect("cmd");
      EXPECT_EQ(cmd["clientID"], "matrix");
      EXPECT_EQ(cmd["cmd"]["value"], "5");
      EXPECT_EQ(partner.expect("cmd")["author"], ts.lib());
    } else if (type == "presence") {
      auto p = partner.expect("presence");
      EXPECT_EQ(p["user"], ts.lib());
      EXPECT_EQ(p["stream"], "unit.goals");
    } else if (type == "ping") {
      EXPECT_EQ(m.expect("pong")["type"], "pong");
    } else {
      ADD_FAILURE() << "the test does not know what " << type << " should answer";
    }
  }
}

namespace {

// Whether `j` holds, at any depth, an object whose "facet" (a rating, a proposal or a suggestion) is
// `facet`.
bool holds_facet(const json& j, const std::string& facet) {
  if (j.is_object() && j.contains("facet") && j["facet"] == facet) return true;
  if (!j.is_object() && !j.is_array()) return false;
  return std::any_of(j.begin(), j.end(), [&](const json& v) { return holds_facet(v, facet); });
}

// What `text` (a reply or a WebSocket message) shows of `secrets` or of the rating `facet`: ""
// when nothing.
std::string leaked(const std::string& text, const std::vector<std::string>& secrets, const std::string& facet) {
  for (const auto& s : secrets)
    if (text.find(s) != std::string::npos) return "\"" + s + "\"";
  auto parsed = json::parse(text, nullptr, false);
  if (!parsed.is_discarded() && holds_facet(parsed, facet)) return "the rating " + facet;
  return "";
}

}  // namespace

// The privacy rows of the authorization matrix (issue 6: a partner cannot read the other's answer
// before submitting their own). The librarian has answered the unit's reflection (with evidence),
// rated the collaboration, answered a lesson check-in, and submitted both; the teacher has
// submitted neither. Every HTTP route of api_router::routes() (each {rid} route for both
// reflections, the history at every edit, the exports, the log and reports) is tried as the
// teacher, a user of another partnership, the coordinator of the partners' school, an
// administrator and a signed-out client, and every WebSocket message type as the teacher on her
// open unit page: no answer, evidence label or action line of the librarian's, nor her rating, is
// in any reply or message. (Her drafts are checked the same way before she submits.) Then the
// teacher submits and they are all there: the scan finds what a leak would show.
TEST(Access, UnsubmittedReflectionAnswersAndRatingsReachNobodyByAnyRouteOrMessage) {
  test_server ts;
  auto people = non_members_of(ts);
  auto lib = sign_in(ts.port(), "lib");
  auto cookies = people.cookies;
  cookies["partner"] = sign_in(ts.port(), "tea");
  // Someone for the administrator's {uid} route to change (not the outsider, whose sessions it ends).
  auto spare = ts.server().accounts().create_user("spare", "Sam Spare", "teacher", ts.server().hasher().hash("correct horse"));
  auto page = ts.join("tea", "page");  // the teacher's unit page, open throughout
  std::map<std::string, std::uint64_t> versions;
  std::map<std::string, std::int64_t> lengths;
  unit_writer L(ts.port(), ts.unit(), "lib", versions, lengths);
  L.append("unit.goals", u"Students test the creek water");
  L.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}});
  L.set("phase", "reflect");  // the unit's reflection opens with it

  const std::string rating = "integrated_curriculum";
  const std::vector<std::string> secrets{"Privately, the station rotation felt rushed", "Cited privately: the goals",
                                         "Book the lab privately earlier", "Lesson one privately went long",
                                         "Adjust privately the timing"};
  auto base = "/api/units/" + ts.unit() + "/reflections";
  auto listed = http_call(ts.port(), http::verb::get, base, "", lib).body;
  ASSERT_EQ(listed["reflections"].size(), 1u) << listed.dump();
  auto unit_rid = std::to_string(listed["reflections"][0]["id"].get<int>());
  std::string protocol = listed["reflections"][0]["protocol"];
  auto checkin = http_call(ts.port(), http::verb::post, base, R"({"kind":"checkin","protocol":"lesson-checkin","lesson":"lesson1"})", lib);
  ASSERT_EQ(checkin.status, 201u) << checkin.body.dump();
  auto checkin_rid = std::to_string(checkin.body["reflection"]["id"].get<int>());
  auto save = [&](const std::string& rid, const json& body) {
    auto saved = http_call(ts.port(), http::verb::post, base + "/" + rid, body.dump(), lib);
    ASSERT_EQ(saved.status, 200u) << saved.body.dump();
  };
  save(unit_rid, {{"protocol", protocol},
                  {"answers", {{"what", {{"text", secrets[0]}, {"evidence", {{{"kind", "section"}, {"ref", "stage1"}, {"label", secrets[1]}}}}}},
                               {"now_what", {{"text", secrets[2]}}}}},
                  {"facet", rating}});
  save(checkin_rid, {{"protocol", "lesson-checkin"}, {"answers", {{"went_well", {{"text", secrets[3]}}}, {"adjust", {{"text", secrets[4]}}}}}});
  auto invitation = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/invitations", R"({"role":"teacher"})", lib)
                        .body["link"].get<std::string>();
  auto edits = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/history", "", lib).body.value("ops", 0);

  // Every route as everyone but the librarian; `state` says how far she has got.
  std::size_t tried = 0;
  auto scan_routes = [&](const std::string& state) {
    for (const auto& r : net::api_router::routes()) {
      const std::string pattern(r.pattern);
      auto route = std::string(http::to_string(r.method)) + " " + pattern;
      if (route == "POST /api/signout") continue;  // would end the test's sessions
      std::vector<std::string> rids{unit_rid};
      if (pattern.find("{rid}") != std::string::npos) rids.push_back(checkin_rid);
      std::vector<std::string> ops{"0"};
      if (pattern.find("{op}") != std::string::npos)
        for (int op = 1; op <= edits; ++op) ops.push_back(std::to_string(op));
      for (const auto& rid : rids)
        for (const auto& op : ops)
          for (const char* who : {"nobody", "outsider", "coordinator", "admin", "partner"}) {
            // Her own submission is what reveals them: the end of the test.
            if (std::string(who) == "partner" && pattern.ends_with("/submit")) continue;
            auto path = route_path(pattern, {{"id", ts.unit()},
                                             {"op", op},
                                             {"rid", rid},
                                             {"item", "1"},
                                             {"token", pattern.ends_with("/accept") ? "no-such-token" : invitation.substr(invitation.rfind('/') + 1)},
                                             {"name", "ubd"},
                                             {"uid", std::to_string(spare)},
                                             {"note", "1"}});
            std::string body(r.example_body);
            if (pattern == "/api/signin") body = R"({"username":"tea","password":"correct horse"})";
            auto res = http_call(ts.port(), r.method, path, body, cookies[who]);
            EXPECT_EQ(leaked(res.text, secrets, rating), "")
                << http::to_string(r.method) << " " << path << " as " << who << " (" << state << ") -> " << res.status << " "
                << res.text.substr(0, 300);
            ++tried;
          }
    }
  };
  // Everything one of the teacher's pages has been sent, up to the pong of a ping sent now.
  auto scan_socket = [&](ws_client& socket, const std::string& state) {
    socket.send(std::string(R"({"type":"ping"})"));
    for (;;) {
      auto raw = socket.recv_raw(std::chrono::seconds(3));
      ASSERT_TRUE(raw.has_value()) << state;
      EXPECT_EQ(leaked(*raw, secrets, rating), "") << state << ": " << raw->substr(0, 300);
      if (raw->find("\"pong\"") != std::string::npos) break;
    }
  };
  auto scan_page = [&](const std::string& state) { scan_socket(*page, state); };

  scan_routes("drafts saved");
  scan_page("drafts saved");
  for (const auto& rid : {unit_rid, checkin_rid})
    ASSERT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", lib).status, 200u);
  scan_routes("submitted");
  scan_page("submitted");
  EXPECT_GE(tried, 2 * 5 * (net::api_router::routes().size() - 1));

  // Every WebSocket message type from the teacher (a second page of hers, its push at the head the
  // welcome gives): nothing of the answers in what comes back.
  auto second = ts.open_socket("tea");
  auto welcome = second->hello("second");
  EXPECT_EQ(leaked(welcome.dump(), secrets, rating), "") << welcome.dump().substr(0, 300);
  const auto& goals = welcome["streams"]["unit.goals"];
  const std::map<std::string, json> messages{
      {"hello", {{"type", "hello"}, {"clientID", "second"}}},
      {"push", {{"type", "push"}, {"stream", "unit.goals"}, {"version", goals["version"]},
                {"updates", {{{"clientID", "second"}, {"changes", json::array({goals["text"].get<std::string>().size(), json::array({0, " together"})})}}}}}},
      {"cmd", {{"type", "cmd"}, {"clientID", "second"}, {"seq", 1}, {"cmd", {{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", "5"}}}}},
      {"presence", {{"type", "presence"}, {"stream", "unit.goals"}, {"anchor", 0}, {"head", 0}}},
      {"ping", {{"type", "ping"}}}};
  for (const auto& type : unit::client_message_types()) {
    ASSERT_TRUE(messages.count(type)) << "no example for WebSocket message " << type;
    if (type == "hello") continue;  // (above)
    second->send(messages.at(type));
    scan_socket(*second, type);
  }
  scan_page("after the teacher's messages");

  // The teacher submits: now she reads every answer and the rating, and the action lines are items.
  std::string seen;
  bool rating_seen = false;
  for (const auto& rid : {unit_rid, checkin_rid}) {
    auto r = http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", cookies["partner"]);
    ASSERT_EQ(r.status, 200u) << r.text;
    EXPECT_EQ(r.body["reflection"]["state"], "revealed") << r.text;
    seen += r.text;
    rating_seen = rating_seen || leaked(r.text, {}, rating) == "the rating " + rating;
  }
  for (const auto& s : secrets) EXPECT_NE(seen.find(s), std::string::npos) << s;
  EXPECT_TRUE(rating_seen);
  auto items = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/action-items", "", cookies["partner"]).text;
  EXPECT_NE(items.find(secrets[4]), std::string::npos) << items;  // a check-in's items show in its own unit
}

// The matrix checks the unit in the path; this checks the ids nested under it. An outsider with a
// partnership and unit of their own (holding its own reflection, student note and action item)
// puts the victim unit's reflection, action item and student note ids into every member route of
// their own unit that takes one: each is refused as if the id did not exist, and nothing changes.
// A unit made in the victim's partnership is refused the same way.
TEST(Access, AnotherUnitsNestedIdsAreRefusedInYourOwnUnitsRoutes) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto out = sign_in(ts.port(), "out"), oli = sign_in(ts.port(), "oli");
  auto make_unit = [&](const json& partnership, const std::string& cookie, const std::string& title) {
    auto r = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", partnership}, {"title", title}}.dump(), cookie);
    EXPECT_EQ(r.status, 201u) << r.body.dump();
    return r.body["unit"]["id"].get<std::string>();
  };
  // A unit's newest action item, a new student note (turning notes on) and a reflection still
  // open under the after-action-review protocol (the one the routes' examples answer).
  auto newest_item = [&](const std::string& unit, const std::string& cookie) {
    auto items = http_call(ts.port(), http::verb::get, "/api/units/" + unit + "/action-items", "", cookie).body["items"];
    EXPECT_FALSE(items.empty()) << items.dump();
    return std::to_string(items.at(0)["id"].get<int>());
  };
  auto add_note = [&](const std::string& unit, const std::string& cookie) {
    auto base = "/api/units/" + unit + "/student-notes";
    EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/settings", R"({"enabled":true})", cookie).status, 200u);
    auto note = http_call(ts.port(), http::verb::post, base, R"({"text":"Reads below grade level"})", cookie);
    EXPECT_EQ(note.status, 201u) << note.body.dump();
    return std::to_string(note.body["note"]["id"].get<int>());
  };
  auto open_reflection = [&](const std::string& unit, const std::string& cookie) {
    auto r = http_call(ts.port(), http::verb::post, "/api/units/" + unit + "/reflections",
                       R"({"kind":"unit","protocol":"after-action-review"})", cookie);
    EXPECT_EQ(r.status, 201u) << r.body.dump();
    return std::to_string(r.body["reflection"]["id"].get<int>());
  };

  // The victim partnership: its first unit reflected on (revealed), the next one holding the
  // action item that came of it, an open reflection and a student note.
  auto victim_partnership = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body["partnerships"][0]["id"];
  auto victim_revealed = revealed_reflection(ts.port(), ts.unit(), lib, tea);
  auto victim_next = make_unit(victim_partnership, lib, "Victim's next unit");
  auto victim_item = newest_item(victim_next, tea);
  auto victim_open = open_reflection(victim_next, lib);
  auto victim_note = add_note(victim_next, tea);
  // The outsider's partnership, the same way: their own unit has a reflection, a note and an item.
  auto earlier = make_unit(ts.other_partnership(), out, "Outsider's earlier unit");
  revealed_reflection(ts.port(), earlier, out, oli);
  auto own = make_unit(ts.other_partnership(), out, "Outsider's own unit");
  auto own_item = newest_item(own, out);
  auto own_open = open_reflection(own, out);
  auto own_note = add_note(own, out);

  auto db_path = ts.dir().file("coplan.db");
  const std::map<std::string, std::vector<std::string>> victim_ids{
      {"rid", {victim_revealed, victim_open}}, {"item", {victim_item}}, {"note", {victim_note}}};
  const std::map<std::string, std::string> refusal{{"rid", "unknown_reflection"}, {"item", "unknown_item"}, {"note", "unknown_note"}};
  std::map<std::string, int> tried;
  const std::regex parameter("\\{(\\w+)\\}");
  for (const auto& r : net::api_router::routes()) {
    if (r.need != net::access::member) continue;
    const std::string pattern(r.pattern);
    std::vector<std::string> nested;
    for (std::sregex_iterator m(pattern.begin(), pattern.end(), parameter), end; m != end; ++m)
      if ((*m)[1] != "id") nested.push_back((*m)[1].str());
    // {op} counts the ops of the unit in the path (the state after its first op ops): a position in
    // that unit's own history, not a row of another unit's.
    if (nested.empty() || nested == std::vector<std::string>{"op"}) continue;
    ASSERT_EQ(nested.size(), 1u) << "the test does not know how to fill " << pattern;
    ASSERT_TRUE(victim_ids.count(nested[0])) << "the test has no victim id for {" << nested[0] << "} in " << pattern;
    for (const auto& id : victim_ids.at(nested[0])) {
      auto path = std::regex_replace(std::regex_replace(pattern, std::regex("\\{id\\}"), own),
                                     std::regex("\\{" + nested[0] + "\\}"), id);
      SCOPED_TRACE(std::string(http::to_string(r.method)) + " " + path);
      auto before = fingerprint(db_path);
      auto res = http_call(ts.port(), r.method, path, std::string(r.example_body), out);
      EXPECT_EQ(res.status, 404u) << res.body.dump();
      EXPECT_EQ(res.body["error"]["code"], refusal.at(nested[0])) << res.body.dump();
      EXPECT_EQ(fingerprint(db_path), before) << "a request with another unit's id changed something";
      ++tried[nested[0]];
    }
  }
  EXPECT_EQ(tried.size(), victim_ids.size()) << "a kind of nested id no route takes any more";

  // A unit in the victim's partnership.
  auto before = fingerprint(db_path);
  auto made = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", victim_partnership}, {"title", "Mine now"}}.dump(), out);
  EXPECT_EQ(made.status, 404u);
  EXPECT_EQ(made.body["error"]["code"], "unknown_partnership");
  EXPECT_EQ(fingerprint(db_path), before);

  // The refusals were for the ids: the outsider's own ids work in their own unit.
  auto own_base = "/api/units/" + own;
  auto saved = http_call(ts.port(), http::verb::post, own_base + "/reflections/" + own_open,
                         R"({"protocol":"after-action-review","answers":{}})", out);
  EXPECT_EQ(saved.status, 200u) << saved.body.dump();
  EXPECT_EQ(http_call(ts.port(), http::verb::post, own_base + "/action-items/" + own_item, R"({"done":true})", out).status, 200u);
  EXPECT_EQ(http_call(ts.port(), http::verb::delete_, own_base + "/student-notes/" + own_note, "", out).status, 200u);
  // And the victim's are all still there.
  auto victim_base = "/api/units/" + victim_next;
  EXPECT_EQ(http_call(ts.port(), http::verb::get, victim_base + "/student-notes", "", lib).body["notes"].size(), 1u);
  auto victim_items = http_call(ts.port(), http::verb::get, victim_base + "/action-items", "", lib).body["items"];
  EXPECT_FALSE(victim_items.empty());
  for (const auto& i : victim_items) EXPECT_FALSE(i["done"].get<bool>()) << i.dump();
}

// Bug: membership was checked only at the WebSocket upgrade, so a member removed from a unit (or
// made coordinator) kept reading and editing it over a WebSocket opened before.
TEST(Access, AMemberRemovedWhileConnectedIsRefusedAndDisconnected) {
  test_server ts;
  auto a = ts.join("lib", "A");
  auto tea = sign_in(ts.port(), "tea");
  client::ws_client b;
  ASSERT_TRUE(b.connect("127.0.0.1", ts.port(), ts.ws_path(), tea));
  b.hello("B");
  auto db_path = ts.dir().file("coplan.db");
  // Removed in the database (as an operator would, from another process), then the server's
  // sweep gives the open unit its members again.
  {
    store::database db(db_path, {});
    auto st = db.prepare("DELETE FROM unit_members WHERE user_id = ?");
    st.bind(1, ts.tea());
    st.run();
  }
  auto before = fingerprint(db_path);
  ts.server().registry().refresh_members();
  auto refused_msg = b.expect("error");
  EXPECT_EQ(refused_msg["code"], "not_a_member");
  EXPECT_EQ(b.wait_closed(), 4003);
  auto members = a->expect("members")["members"];
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0]["id"], ts.lib());
  EXPECT_EQ(fingerprint(db_path), before);
  // Coming back is refused at the door.
  client::ws_client again;
  unsigned status = 0;
  EXPECT_FALSE(again.connect("127.0.0.1", ts.port(), ts.ws_path(), tea, "", &status));
  EXPECT_EQ(status, 404u);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit(), "", tea).status, 404u);
  a->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(a->expect("pong")["type"], "pong");
}

// Bug: a member made coordinator (or administrator) stayed a member of their units and could
// read drafts. Roles other than librarian and teacher are never members of units.
// Regression (the page said "signed out" after a role change): the role change ended the
// session's WebSockets with 4001 before the unit could close them with 4003, so the page asked
// the person to sign in again instead of saying they are no longer a member of the unit.
TEST(Access, AMemberMadeCoordinatorLosesTheUnit) {
  test_server ts;
  auto& accounts = ts.server().accounts();
  accounts.create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  auto a = ts.join("lib", "A");
  auto tea_cookie = sign_in(ts.port(), "tea");
  auto b = std::make_unique<client::ws_client>();
  ASSERT_TRUE(b->connect("127.0.0.1", ts.port(), ts.ws_path(), tea_cookie));
  b->hello("B");
  for (const char* role : {"coordinator", "admin"}) {
    SCOPED_TRACE(role);
    auto changed = http_call(ts.port(), http::verb::post, "/api/admin/users/" + std::to_string(ts.tea()),
                             json{{"role", role}}.dump(), admin);
    ASSERT_EQ(changed.status, 200u) << changed.body.dump();
    if (b) {
      EXPECT_EQ(b->expect("error")["code"], "not_a_member");
      EXPECT_EQ(b->wait_closed(), 4003);  // no longer a member, not merely signed out
    }
    b.reset();
    // The role change ended the session all the same.
    EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", tea_cookie).status, 401u);
    auto members = a->expect("members")["members"];
    ASSERT_EQ(members.size(), 1u) << members.dump();
    EXPECT_EQ(members[0]["id"], ts.lib());
    auto tea = sign_in(ts.port(), "tea");
    client::ws_client again;
    unsigned status = 0;
    EXPECT_FALSE(again.connect("127.0.0.1", ts.port(), ts.ws_path(), tea, "", &status));
    EXPECT_EQ(status, 404u);
    EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit(), "", tea).status, 404u);
    EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", tea).body["units"].size(), 0u);
    // Even the authority, if a message got past the socket, refuses it.
    auto sub = std::make_shared<recording_subscriber>();
    ts.server().registry().open(*accounts.unit_by_public_id(ts.unit()))
        ->handle(sub, static_cast<std::uint32_t>(ts.tea()), unit::ping_msg{});
    EXPECT_EQ(sub->wait_closed(), "not_a_member");
    // Back to teacher: the membership counts again.
    ASSERT_EQ(http_call(ts.port(), http::verb::post, "/api/admin/users/" + std::to_string(ts.tea()), R"({"role":"teacher"})", admin)
                  .status,
              200u);
    EXPECT_EQ(a->expect("members")["members"].size(), 2u);
    EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit(), "", sign_in(ts.port(), "tea")).status, 200u);
  }
}

TEST(Access, InvitationsAreSingleUseExpireAndStayInTheirUnit) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib");
  auto base = "/api/units/" + ts.unit() + "/invitations";
  auto inv = http_call(ts.port(), http::verb::post, base, R"({"role":"teacher"})", lib);
  ASSERT_EQ(inv.status, 201u) << inv.body.dump();
  std::string link = inv.body["link"];
  auto token = link.substr(link.rfind('/') + 1);
  auto peek = http_call(ts.port(), http::verb::get, "/api/invitations/" + token);
  EXPECT_EQ(peek.status, 200u);
  EXPECT_EQ(peek.body["invitation"]["unit"], "Test unit");
  EXPECT_EQ(peek.body["invitation"]["from"], "Lee Librarian");
  // A weak password is refused and uses nothing up.
  auto weak = http_call(ts.port(), http::verb::post, "/api/invitations/" + token + "/accept",
                        R"({"username":"sam","name":"Sam Second","password":"password123"})");
  EXPECT_EQ(weak.status, 400u);
  EXPECT_EQ(weak.body["error"]["code"], "weak_password");
  auto ok = http_call(ts.port(), http::verb::post, "/api/invitations/" + token + "/accept",
                      R"({"username":"sam","name":"Sam Second","password":"streams and rivers"})");
  ASSERT_EQ(ok.status, 200u) << ok.body.dump();
  EXPECT_EQ(ok.body["unit"], ts.unit());
  auto sam = ok.set_cookie.substr(0, ok.set_cookie.find(';'));
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit(), "", sam).status, 200u);
  // Used twice: refused.
  auto again = http_call(ts.port(), http::verb::post, "/api/invitations/" + token + "/accept",
                         R"({"username":"sam2","name":"Sam Two","password":"streams and rivers"})");
  EXPECT_EQ(again.status, 410u);
  EXPECT_EQ(again.body["error"]["code"], "invitation_used");
  EXPECT_FALSE(ts.server().accounts().user_by_name("sam2"));
  // Expired: refused.
  ts.server().accounts().create_invitation(auth::token_digest("old-token"), 1, "teacher", ts.lib(), 0, 1000);
  auto expired = http_call(ts.port(), http::verb::post, "/api/invitations/old-token/accept",
                           R"({"username":"late","name":"Late","password":"streams and rivers"})");
  EXPECT_EQ(expired.status, 410u);
  EXPECT_EQ(expired.body["error"]["code"], "invitation_expired");
  // For another unit: the invitation gives that unit, and no other.
  auto parts = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body;
  auto other = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", parts["partnerships"][0]["id"]}, {"title", "Other"}}.dump(), lib)
                   .body["unit"]["id"].get<std::string>();
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + other, "", sam).status, 404u);
  auto inv2 = http_call(ts.port(), http::verb::post, "/api/units/" + other + "/invitations", R"({"role":"teacher"})", lib).body;
  auto token2 = inv2["link"].get<std::string>().substr(inv2["link"].get<std::string>().rfind('/') + 1);
  // An outsider cannot create invitations to a unit they are not in.
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base, R"({"role":"teacher"})", sign_in(ts.port(), "out")).status, 404u);
  // A signed-in person accepting joins that unit only.
  auto joined = http_call(ts.port(), http::verb::post, "/api/invitations/" + token2 + "/accept", "{}", sam);
  EXPECT_EQ(joined.status, 200u);
  EXPECT_EQ(joined.body["unit"], other);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/invitations/" + token2, "", sam).status, 410u);
}

TEST(Access, CrossSiteRequestsAreRefused) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib");
  auto parts = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body;
  auto body = json{{"partnership", parts["partnerships"][0]["id"]}, {"title", "Forged"}}.dump();
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/units", body, lib, "https://evil.example").status, 403u);
  // A form post (not JSON) from any page is refused too.
  client::http_reply form;
  {
    boost::asio::io_context ioc;
    boost::beast::tcp_stream s(ioc);
    s.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), ts.port()));
    http::request<http::string_body> req{http::verb::post, "/api/units", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::cookie, lib);
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = "partnership=1&title=Forged";
    req.prepare_payload();
    http::write(s, req);
    boost::beast::flat_buffer b;
    http::response<http::string_body> res;
    http::read(s, b, res);
    form.status = res.result_int();
  }
  EXPECT_EQ(form.status, 415u);
  // A browser that labels the request cross-site without sending an Origin: refused all the same,
  // and a forged sign-in (signing the victim into the attacker's account) gets no cookie.
  auto db_path = ts.dir().file("coplan.db");
  auto before = fingerprint(db_path);
  const std::vector<std::pair<std::string, std::string>> cross_site{{"Sec-Fetch-Site", "cross-site"}};
  auto labelled = http_call(ts.port(), http::verb::post, "/api/units", body, lib, "", cross_site);
  EXPECT_EQ(labelled.status, 403u) << labelled.body.dump();
  EXPECT_EQ(labelled.body["error"]["code"], "bad_origin");
  auto forged_signin =
      http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"tea","password":"correct horse"})", "", "", cross_site);
  EXPECT_EQ(forged_signin.status, 403u);
  EXPECT_TRUE(forged_signin.set_cookie.empty()) << forged_signin.set_cookie;
  EXPECT_EQ(fingerprint(db_path), before);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", lib).body["units"].size(), 1u);
  // The session cookie is out of reach of scripts and is not sent with other sites' requests.
  auto signin = http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"tea","password":"correct horse"})");
  ASSERT_EQ(signin.status, 200u);
  EXPECT_NE(signin.set_cookie.find("; HttpOnly"), std::string::npos) << signin.set_cookie;
  EXPECT_TRUE(signin.set_cookie.find("; SameSite=Lax") != std::string::npos ||
              signin.set_cookie.find("; SameSite=Strict") != std::string::npos)
      << signin.set_cookie;
}

TEST(Access, TheEleventhWrongPasswordInAMinuteIsRefusedWithoutCheckingTheHash) {
  test_server ts;
  const auto& hasher = ts.server().hasher();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"lib","password":"guess"})").status, 401u);
  auto before = hasher.verifications();
  auto eleventh = http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"lib","password":"guess"})");
  EXPECT_EQ(eleventh.status, 429u);
  EXPECT_EQ(eleventh.body["error"]["code"], "rate_limited");
  EXPECT_EQ(hasher.verifications(), before);
  // Even the right password waits out the minute; other accounts are not affected.
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"LIB","password":"correct horse"})").status, 429u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"tea","password":"correct horse"})").status, 200u);
}

// Bug: POST /api/me/password checked the current password with no limit, so someone holding a
// stolen session cookie could guess it without end (each guess an argon2 verification). Its wrong
// guesses now count with sign-in's, per account and per address: past the limit it answers
// 429 rate_limited without checking the hash and changes nothing, and a successful change clears
// the account's count as a sign-in does.
TEST(Access, PasswordChangeGuessesAreLimitedLikeSignIn) {
  test_server ts([](net::server_config& c) {
    c.signin_failures_per_account = 4;
    c.signin_failures_per_address = 10;
  });
  const auto& hasher = ts.server().hasher();
  ts.server().accounts().create_user("admin", "Ada", "admin", hasher.hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto change = [&](const std::string& cookie, const std::string& current) {
    return http_call(ts.port(), http::verb::post, "/api/me/password",
                     json{{"current", current}, {"password", "a brand new passphrase"}}.dump(), cookie);
  };
  auto signin = [&](const std::string& user, const std::string& password) {
    return http_call(ts.port(), http::verb::post, "/api/signin", json{{"username", user}, {"password", password}}.dump()).status;
  };
  // One guess short of the account's limit (sign-in and password change together), then the right
  // password: the change is made and the account's count starts again.
  EXPECT_EQ(signin("lib", "guess one"), 401u);
  EXPECT_EQ(signin("LIB", "guess two"), 401u);
  EXPECT_EQ(change(lib, "guess three").status, 403u);
  auto changed = change(lib, "correct horse");
  ASSERT_EQ(changed.status, 200u) << changed.body.dump();
  lib = changed.set_cookie.substr(0, changed.set_cookie.find(';'));
  // Four more wrong guesses through either route are checked (the address is at 7 of 10)...
  EXPECT_EQ(change(lib, "guess four").status, 403u);
  EXPECT_EQ(signin("lib", "guess five"), 401u);
  EXPECT_EQ(change(lib, "guess six").status, 403u);
  EXPECT_EQ(signin("lib", "guess seven"), 401u);
  // ...and then neither route checks a hash for this account, even the right password, and
  // nothing changes.
  auto db_path = ts.dir().file("coplan.db");
  auto before = fingerprint(db_path);
  auto verified = hasher.verifications();
  for (const char* current : {"guess eight", "a brand new passphrase"}) {
    auto refused = change(lib, current);
    EXPECT_EQ(refused.status, 429u) << refused.body.dump();
    EXPECT_EQ(refused.body["error"]["code"], "rate_limited");
    EXPECT_TRUE(refused.set_cookie.empty()) << refused.set_cookie;
  }
  EXPECT_EQ(signin("lib", "a brand new passphrase"), 429u);
  EXPECT_EQ(hasher.verifications(), verified);
  EXPECT_EQ(fingerprint(db_path), before);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", lib).status, 200u);  // the session stays
  // Per address: another account's wrong current passwords from the same address fill it up, and
  // then that account is refused unchecked too.
  for (const char* guess : {"guess nine", "guess ten", "guess eleven"}) EXPECT_EQ(change(tea, guess).status, 403u);
  verified = hasher.verifications();
  EXPECT_EQ(change(tea, "correct horse").status, 429u);
  EXPECT_EQ(signin("tea", "correct horse"), 429u);
  EXPECT_EQ(hasher.verifications(), verified);
  EXPECT_EQ(fingerprint(db_path), before);
  // The audit log shows the guesses and the refusals, by whom.
  for (const char* action : {"password_change_failed", "password_change_blocked"}) {
    auto entry = audit_entry(ts.port(), admin, action);
    ASSERT_FALSE(entry.is_null()) << action;
    EXPECT_EQ(entry["username"], "tea") << action;
  }
}

TEST(Access, EndingASessionClosesItsWebSockets) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib");
  client::ws_client a;
  ASSERT_TRUE(a.connect("127.0.0.1", ts.port(), ts.ws_path(), lib));
  a.hello("A");
  auto tea = sign_in(ts.port(), "tea");
  client::ws_client b;
  ASSERT_TRUE(b.connect("127.0.0.1", ts.port(), ts.ws_path(), tea));
  b.hello("B");
  // Signing out ends the session on the server and closes its WebSocket; the partner stays.
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signout", "{}", lib).status, 200u);
  EXPECT_EQ(a.wait_closed(), 4001);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", lib).status, 401u);
  b.send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(b.expect("pong")["type"], "pong");
  // An administrator resetting the teacher's password closes hers too.
  ts.server().accounts().create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  auto reset = http_call(ts.port(), http::verb::post, "/api/admin/users/" + std::to_string(ts.tea()),
                         R"({"password":"a fresh long password"})", admin);
  EXPECT_EQ(reset.status, 200u) << reset.body.dump();
  EXPECT_EQ(b.wait_closed(), 4001);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"tea","password":"a fresh long password"})").status,
            200u);
}

// Changing your own password: the new password works and the old one does not; every session the
// account had ends (the one that asked gets a new cookie), the WebSockets opened with them close as
// signed out (4001), the partner's stay open, and the audit log says who changed it, when and from
// where.
TEST(Access, ChangingYourPasswordEndsEverySessionOfTheAccountAndIsAudited) {
  test_server ts;
  ts.server().accounts().create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  auto here = sign_in(ts.port(), "lib"), elsewhere = sign_in(ts.port(), "lib");
  client::ws_client this_page, other_device;
  ASSERT_TRUE(this_page.connect("127.0.0.1", ts.port(), ts.ws_path(), here));
  this_page.hello("here");
  ASSERT_TRUE(other_device.connect("127.0.0.1", ts.port(), ts.ws_path(), elsewhere));
  other_device.hello("elsewhere");
  auto partner = ts.join("tea", "partner");

  auto start = now_ms();
  auto changed = http_call(ts.port(), http::verb::post, "/api/me/password",
                           R"({"current":"correct horse","password":"a brand new passphrase"})", here);
  ASSERT_EQ(changed.status, 200u) << changed.body.dump();
  EXPECT_TRUE(changed.body["changed"].get<bool>());
  EXPECT_EQ(changed.body["user"]["id"], ts.lib());
  auto fresh = changed.set_cookie.substr(0, changed.set_cookie.find(';'));
  ASSERT_TRUE(fresh.starts_with(std::string(auth::session_cookie_name) + "=")) << changed.set_cookie;
  EXPECT_NE(fresh, here);

  EXPECT_EQ(other_device.wait_closed(std::chrono::seconds(3)), 4001);
  EXPECT_EQ(this_page.wait_closed(std::chrono::seconds(3)), 4001);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", elsewhere).status, 401u);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", here).status, 401u);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", fresh).status, 200u);
  client::ws_client again;
  EXPECT_TRUE(again.connect("127.0.0.1", ts.port(), ts.ws_path(), fresh));
  partner->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(partner->expect("pong")["type"], "pong");
  EXPECT_FALSE(partner->closed());

  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"lib","password":"correct horse"})").status, 401u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"lib","password":"a brand new passphrase"})").status,
            200u);

  auto entry = audit_entry(ts.port(), admin, "password_changed");
  ASSERT_FALSE(entry.is_null());
  EXPECT_EQ(entry["user"], ts.lib());
  EXPECT_EQ(entry["username"], "lib");
  EXPECT_EQ(entry["address"], "127.0.0.1");
  EXPECT_GE(entry["time"].get<std::int64_t>(), start);
  EXPECT_LE(entry["time"].get<std::int64_t>(), now_ms());
}

// Bug: `coplan user passwd|role|disable` deletes the account's sessions in the database, but the
// running server closed WebSockets only when a session's stored expiry passed, so a socket opened
// with a session the command line ended stayed open for up to 14 days.
TEST(Access, SessionsEndedFromTheCommandLineCloseTheirWebSocketsAtTheNextSweep) {
  test_server ts([](net::server_config& c) { c.session_sweep_interval = std::chrono::milliseconds(100); });
  auto a = ts.join("lib", "A");
  auto b = ts.join("tea", "B");
  // What the command does, from its own connection to the database: the server is not told.
  {
    store::store db(ts.dir().file("coplan.db"), {});
    store::account_store(db).delete_sessions_of(ts.tea());
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(b->wait_closed(std::chrono::seconds(3)), 4001);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The partner's session is still there, and so is her WebSocket.
  a->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(a->expect("pong")["type"], "pong");
  EXPECT_FALSE(a->closed());
}

// Regression (the page said "signed out" after a role change): `coplan user role` making a member
// coordinator deletes their sessions; the sweep closed their unit WebSockets as signed out (4001)
// before the unit refused them as no longer a member (4003), so the page asked them to sign in
// again. Now the unit says why: the error, then 4003. A password reset still closes with 4001.
TEST(Access, AMemberMadeCoordinatorFromTheCommandLineIsToldTheyAreNoLongerAMember) {
  test_server ts([](net::server_config& c) { c.session_sweep_interval = std::chrono::milliseconds(100); });
  auto a = ts.join("lib", "A");
  auto b = ts.join("tea", "B");
  {
    // What the command does, from its own connection to the database: the server is not told.
    store::store db(ts.dir().file("coplan.db"), {});
    store::account_store accounts(db);
    accounts.set_role(ts.tea(), "coordinator");
    accounts.delete_sessions_of(ts.tea());
  }
  EXPECT_EQ(b->expect("error", std::chrono::seconds(3))["code"], "not_a_member");
  EXPECT_EQ(b->wait_closed(std::chrono::seconds(3)), 4003);
  auto members = a->expect("members")["members"];
  ASSERT_EQ(members.size(), 1u) << members.dump();
  a->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(a->expect("pong")["type"], "pong");
}

TEST(Access, ExpiredSessionsCloseTheirWebSocketsAtTheNextSweep) {
  test_server ts([](net::server_config& c) { c.session_sweep_interval = std::chrono::milliseconds(100); });
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto token = auth::random_token(32);
  ts.server().accounts().create_session(auth::token_digest(token), ts.lib(), now, now + 700);
  client::ws_client c;
  ASSERT_TRUE(c.connect("127.0.0.1", ts.port(), ts.ws_path(), std::string(auth::session_cookie_name) + "=" + token));
  c.hello("short");
  auto b = ts.join("tea", "B");
  EXPECT_EQ(c.wait_closed(std::chrono::seconds(3)), 4001);
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
            now + 700);
  b->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(b->expect("pong")["type"], "pong");
}

// Bug: a signed-in user accepting an invitation joined the unit whatever the invitation's role, so
// a coordinator or an administrator opening a link became a member and could read the drafts.
TEST(Access, AnInvitationIsTakenOnlyByAnAccountOfTheInvitedRole) {
  test_server ts;
  auto& accounts = ts.server().accounts();
  const auto& h = ts.server().hasher();
  accounts.create_user("coord", "Cora", "coordinator", h.hash("correct horse"));
  accounts.create_user("admin", "Ada", "admin", h.hash("correct horse"));
  auto lib = sign_in(ts.port(), "lib");
  auto link = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/invitations", R"({"role":"teacher"})", lib)
                  .body["link"].get<std::string>();
  auto token = link.substr(link.rfind('/') + 1);
  auto db_path = ts.dir().file("coplan.db");
  // "oli" is a librarian: a teacher's link is not theirs either.
  for (const char* who : {"coord", "admin", "oli"}) {
    SCOPED_TRACE(who);
    auto cookie = sign_in(ts.port(), who);
    auto before = fingerprint(db_path);
    auto r = http_call(ts.port(), http::verb::post, "/api/invitations/" + token + "/accept", "{}", cookie);
    EXPECT_EQ(r.status, 403u) << r.body.dump();
    EXPECT_EQ(r.body["error"]["code"], "invitation_role");
    EXPECT_EQ(fingerprint(db_path), before) << "a refused acceptance changed something";
    EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit(), "", cookie).status, 404u);
  }
  // Still unused: a teacher takes it.
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/invitations/" + token).status, 200u);
  auto out = sign_in(ts.port(), "out");
  auto ok = http_call(ts.port(), http::verb::post, "/api/invitations/" + token + "/accept", "{}", out);
  EXPECT_EQ(ok.status, 200u) << ok.body.dump();
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit(), "", out).status, 200u);
}

TEST(Access, PasswordsAreCheckedAndTheAuditLogRecordsWhoDidWhatFromWhere) {
  test_server ts;
  ts.server().accounts().create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  for (const char* weak : {"short", "1234567890", "qwertyuiop", "aaaaaaaaaaaa", "newbie-password"}) {
    auto r = http_call(ts.port(), http::verb::post, "/api/admin/users",
                       json{{"username", "newbie"}, {"name", "N"}, {"role", "teacher"}, {"password", weak}}.dump(), admin);
    EXPECT_EQ(r.status, 400u) << weak;
    EXPECT_EQ(r.body["error"]["code"], "weak_password") << weak;
  }
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/admin/users",
                      R"({"username":"newbie","name":"Nia","role":"teacher","password":"sixteen candles burn"})", admin)
                .status,
            201u);
  auto start = now_ms();
  http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"lib","password":"nope nope"})");
  auto lib = sign_in(ts.port(), "lib");
  auto link = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/invitations", R"({"role":"teacher"})", lib)
                  .body["link"].get<std::string>();
  http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/export.md", "", lib);
  // The new teacher takes the invitation (joining the unit); then the administrator makes her a
  // librarian.
  auto newbie = sign_in(ts.port(), "newbie", "sixteen candles burn");
  ASSERT_EQ(http_call(ts.port(), http::verb::post, "/api/invitations/" + link.substr(link.rfind('/') + 1) + "/accept", "{}", newbie).status,
            200u);
  auto newbie_id = ts.server().accounts().user_by_name("newbie")->id;
  ASSERT_EQ(http_call(ts.port(), http::verb::post, "/api/admin/users/" + std::to_string(newbie_id), R"({"role":"librarian"})", admin)
                .status,
            200u);
  auto log = http_call(ts.port(), http::verb::get, "/api/admin/audit", "", admin).body["entries"];
  auto end = now_ms();
  std::set<std::string> actions;
  for (const auto& e : log) {
    actions.insert(e["action"]);
    EXPECT_EQ(e["address"], "127.0.0.1");
    EXPECT_GT(e["time"].get<std::int64_t>(), 0);
  }
  for (const char* a : {"signin", "signin_failed", "user_created", "invitation_created", "export"})
    EXPECT_TRUE(actions.count(a)) << a;
  // Who did it (the one who joined; the administrator who changed the role), to whom, when.
  auto accepted = audit_entry(ts.port(), admin, "invitation_accepted"), added = audit_entry(ts.port(), admin, "member_added"),
       role = audit_entry(ts.port(), admin, "role_changed");
  for (const auto* e : {&accepted, &added, &role}) {
    ASSERT_FALSE(e->is_null());
    EXPECT_GE((*e)["time"].get<std::int64_t>(), start) << e->dump();
    EXPECT_LE((*e)["time"].get<std::int64_t>(), end) << e->dump();
  }
  EXPECT_EQ(accepted["user"], newbie_id);
  EXPECT_EQ(accepted["username"], "newbie");
  EXPECT_EQ(accepted["detail"]["unit"], ts.unit());
  EXPECT_EQ(accepted["detail"]["role"], "teacher");
  EXPECT_EQ(added["user"], newbie_id);
  EXPECT_EQ(added["detail"]["unit"], ts.unit());
  EXPECT_EQ(added["detail"]["member"], "newbie");
  EXPECT_EQ(role["username"], "admin");
  EXPECT_EQ(role["detail"], (json{{"user", "newbie"}, {"from", "teacher"}, {"to", "librarian"}}));
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/admin/audit", "", lib).status, 403u);
}

// Behind a reverse proxy (--trust-proxy): sign-in limits and the audit log use the client's address
// from the proxy's X-Forwarded-For entry (not one a client wrote before it), and the cookie is
// Secure when the proxy says the request came over HTTPS. Without the option the headers are ignored.
TEST(Access, BehindATrustedProxyTheClientAddressAndHttpsComeFromItsHeaders) {
  test_server ts([](net::server_config& c) {
    c.trust_proxy = true;
    c.signin_failures_per_address = 3;
  });
  auto from = [](const std::string& address) {
    return std::vector<std::pair<std::string, std::string>>{{"X-Forwarded-For", "6.6.6.6, " + address}};
  };
  auto bad = R"({"username":"lib","password":"wrong wrong"})", good = R"({"username":"tea","password":"correct horse"})";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", bad, "", "", from("10.0.0.1")).status, 401u);
  auto blocked = http_call(ts.port(), http::verb::post, "/api/signin", good, "", "", from("10.0.0.1"));
  EXPECT_EQ(blocked.status, 429u) << blocked.body.dump();
  // Another client behind the same proxy (same TCP peer) is not blocked.
  auto other = http_call(ts.port(), http::verb::post, "/api/signin", good, "", "", from("10.0.0.2"));
  EXPECT_EQ(other.status, 200u) << other.body.dump();
  EXPECT_EQ(other.set_cookie.find("Secure"), std::string::npos);
  auto https = http_call(ts.port(), http::verb::post, "/api/signin", good, "", "",
                         {{"X-Forwarded-For", "10.0.0.3"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_NE(https.set_cookie.find("Secure"), std::string::npos) << https.set_cookie;
  // A proxy that adds its own header line: the client's forged first line is not used. Something
  // that is not an address falls back to the proxy's.
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", good, "", "",
                      {{"X-Forwarded-For", "6.6.6.7"}, {"X-Forwarded-For", "10.0.0.4"}}).status, 200u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/signin", good, "", "", {{"X-Forwarded-For", "<script>"}}).status, 200u);

  ts.server().accounts().create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  std::set<std::string> addresses;
  auto audit = http_call(ts.port(), http::verb::get, "/api/admin/audit", "", admin);
  ASSERT_EQ(audit.status, 200u) << audit.body.dump();
  for (const auto& e : audit.body["entries"]) addresses.insert(e["address"].get<std::string>());
  for (const char* a : {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "127.0.0.1"}) EXPECT_TRUE(addresses.count(a)) << a << " in " << json(addresses).dump();
  EXPECT_FALSE(addresses.count("6.6.6.6") || addresses.count("6.6.6.7") || addresses.count("<script>"))
      << "a client-written X-Forwarded-For entry was trusted";
}

TEST(Access, WithoutTrustProxyForwardedHeadersAreIgnored) {
  test_server ts;
  auto r = http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"tea","password":"correct horse"})", "", "",
                     {{"X-Forwarded-For", "10.0.0.9"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.set_cookie.find("Secure"), std::string::npos);
  ts.server().accounts().create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  // The reply is kept in a variable: a range-for over a member of a temporary reads freed memory
  // (found by AddressSanitizer in CI).
  auto audit = http_call(ts.port(), http::verb::get, "/api/admin/audit", "", admin);
  ASSERT_EQ(audit.status, 200u);
  ASSERT_FALSE(audit.body["entries"].empty());
  for (const auto& e : audit.body["entries"]) EXPECT_EQ(e["address"], "127.0.0.1");
}
