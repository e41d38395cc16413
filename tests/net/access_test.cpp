// Access control: the authorization matrix (every HTTP route of api_router::routes() and every
// WebSocket message type, tried as nobody, a user of another partnership, a coordinator, an
// administrator who is not in the unit, and a member; only the allowed succeed and the refused
// change nothing), invitations, CSRF, brute-force limits, sessions that end closing their
// WebSockets, password rules and the audit log.
#include <gtest/gtest.h>

#include <regex>

#include "auth/tokens.hpp"
#include "net/api_router.hpp"
#include "support/test_server.hpp"
#include "unit/client_message.hpp"

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

bool refused(unsigned status, const json& body) {
  auto code = body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  return (status == 401 && code == "signed_out") || (status == 403 && code == "forbidden") ||
         (status == 404 && code == "unknown_unit");
}

}  // namespace

TEST(Access, AuthorizationMatrixCoversEveryRouteAndMessage) {
  test_server ts;
  auto& accounts = ts.server().accounts();
  const auto& h = ts.server().hasher();
  auto coord = accounts.create_user("coord", "Cora Coordinator", "coordinator", h.hash("correct horse"));
  auto school = accounts.create_school("Hillside Middle");
  accounts.assign_coordinator(coord, school);
  accounts.create_user("admin", "Ada Admin", "admin", h.hash("correct horse"));
  std::map<std::string, std::string> cookies{{"nobody", ""},
                                             {"outsider", sign_in(ts.port(), "out")},
                                             {"coordinator", sign_in(ts.port(), "coord")},
                                             {"admin", sign_in(ts.port(), "admin")},
                                             {"member", sign_in(ts.port(), "lib")}};
  // Something for the {rid} and {item} routes to point at.
  auto rid = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/reflections",
                       R"({"kind":"unit","protocol":"plus-delta"})", cookies["member"]).body["reflection"]["id"].get<int>();
  auto out_id = accounts.user_by_name("out")->id;
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
  std::size_t tried = 0;
  for (const auto& r : net::api_router::routes()) {
    std::string path(r.pattern);
    auto put = [&](const std::string& name, const std::string& v) {
      path = std::regex_replace(path, std::regex("\\{" + name + "\\}"), v);
    };
    put("id", ts.unit());
    put("op", "0");
    put("rid", std::to_string(rid));
    put("item", "1");
    put("token", "no-such-token");
    put("name", "ubd");
    put("uid", std::to_string(out_id));
    put("note", "1");
    ASSERT_EQ(path.find('{'), std::string::npos) << "the test does not know a parameter of " << r.pattern;
    // The denying principals first, so the allowed ones (which may change state) come last.
    for (const char* who : {"nobody", "outsider", "coordinator", "admin", "member"}) {
      if (r.method == http::verb::post && std::string(r.pattern) == "/api/signout") continue;  // would end the test's sessions
      auto before = fingerprint(db_path);
      auto res = http_call(ts.port(), r.method, path, std::string(r.example_body), cookies[who]);
      bool ok = allowed(r.need, who);
      SCOPED_TRACE(std::string(http::to_string(r.method)) + " " + std::string(r.pattern) + " as " + who + " -> " +
                   std::to_string(res.status) + " " + res.body.dump().substr(0, 200));
      EXPECT_EQ(refused(res.status, res.body), !ok);
      if (!ok) {
        EXPECT_EQ(fingerprint(db_path), before) << "a refused request changed something";
      }
      ++tried;
    }
  }
  EXPECT_EQ(tried, (net::api_router::routes().size() - 1) * 5);

  // WebSocket: only members get in, and then every message type is served. (Sign in again: the
  // matrix above had the administrator change the outsider's role, which ends their sessions.)
  cookies["outsider"] = sign_in(ts.port(), "out");
  for (const char* who : {"nobody", "outsider", "coordinator", "admin"}) {
    client::ws_client c;
    unsigned status = 0;
    EXPECT_FALSE(c.connect("127.0.0.1", ts.port(), ts.ws_path(), cookies[who], "", &status)) << who;
    EXPECT_EQ(status, std::string(who) == "nobody" ? 401u : 404u) << who;
  }
  client::ws_client m;
  ASSERT_TRUE(m.connect("127.0.0.1", ts.port(), ts.ws_path(), cookies["member"]));
  const std::map<std::string, json> examples{
      {"hello", {{"type", "hello"}, {"clientID", "matrix"}}},
      {"push", {{"type", "push"}, {"stream", "unit.goals"}, {"version", 0}, {"updates", {{{"clientID", "matrix"}, {"changes", {{0, "x"}}}}}}}},
      {"cmd", {{"type", "cmd"}, {"clientID", "matrix"}, {"seq", 1}, {"cmd", {{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", "5"}}}}},
      {"presence", {{"type", "presence"}, {"stream", nullptr}}},
      {"ping", {{"type", "ping"}}}};
  const std::map<std::string, std::string> answers{{"hello", "welcome"}, {"push", "pushed"}, {"cmd", "cmd"}, {"ping", "pong"}};
  for (const auto& type : unit::client_message_types()) {
    ASSERT_TRUE(examples.count(type)) << "no example for WebSocket message " << type;
    m.send(examples.at(type));
    if (answers.count(type)) {
      EXPECT_EQ(m.expect(answers.at(type))["type"], answers.at(type));
    }
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
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units", "", lib).body["units"].size(), 1u);
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
  http_call(ts.port(), http::verb::post, "/api/signin", R"({"username":"lib","password":"nope nope"})");
  auto lib = sign_in(ts.port(), "lib");
  http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/invitations", R"({"role":"teacher"})", lib);
  http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/export.md", "", lib);
  auto log = http_call(ts.port(), http::verb::get, "/api/admin/audit", "", admin).body["entries"];
  std::set<std::string> actions;
  for (const auto& e : log) {
    actions.insert(e["action"]);
    EXPECT_EQ(e["address"], "127.0.0.1");
    EXPECT_GT(e["time"].get<std::int64_t>(), 0);
  }
  for (const char* a : {"signin", "signin_failed", "user_created", "invitation_created", "export"})
    EXPECT_TRUE(actions.count(a)) << a;
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/admin/audit", "", lib).status, 403u);
}
