// The JSON HTTP API: the route table, the access checks every route goes through, and the
// handlers (see api_router.hpp).
#include "net/api_router.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include <boost/asio/ip/address.hpp>

#include "auth/password_policy.hpp"
#include "auth/session_cookie.hpp"
#include "auth/tokens.hpp"
#include "review/collaboration_log.hpp"
#include "review/unit_markdown.hpp"
#include "text/coded_error.hpp"
#include "text/utf16.hpp"

namespace coplan::net {

namespace {

using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json user_json(const store::user_record& u) {
  return {{"id", u.id}, {"username", u.username}, {"name", u.display_name}, {"role", u.role}};
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

json body_of(const route_context& c) { return c.req.body().empty() ? json::object() : json::parse(c.req.body()); }

std::int64_t number_param(const route_context& c, const std::string& name) {
  const auto& s = c.params.at(name);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || n < 0) throw coded_error("bad_request", name + " must be a number");
  return n;
}

// The value of `name` in the request's query string (percent-decoded, '+' as space), or "".
std::string query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return "";
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      std::string out;
      auto v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') out += ' ';
        else if (v[i] == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
          out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
          i += 2;
        } else out += v[i];
      }
      if (out.size() > 200) throw coded_error("bad_request", std::string(name) + " is too long");
      return out;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

const std::set<std::string>& roles() {
  static const std::set<std::string> r{"librarian", "teacher", "coordinator", "admin"};
  return r;
}

// Splits "/a/b/c" into {"a","b","c"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool match(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  auto p = segments(pattern), s = segments(path);
  if (p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      if (s[i].empty() || s[i].size() > 128) return false;
      found[std::string(p[i].substr(1, p[i].size() - 2))] = std::string(s[i]);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

using V = http::verb;

const std::vector<api_route>& api_router::routes() {
  static const std::vector<api_route> table{
      {V::get, "/healthz", access::anyone, &api_router::healthz, ""},
      {V::get, "/metrics", access::anyone, &api_router::metrics, ""},
      {V::post, "/api/signin", access::anyone, &api_router::sign_in, R"({"username":"x","password":"y"})"},
      {V::post, "/api/signout", access::anyone, &api_router::sign_out, "{}"},
      {V::get, "/api/me", access::anyone, &api_router::me, ""},
      {V::post, "/api/me/password", access::signed_in, &api_router::change_password,
       R"({"current":"wrong","password":"a much longer password"})"},
      {V::get, "/api/units", access::signed_in, &api_router::list_units, ""},
      {V::post, "/api/units", access::signed_in, &api_router::create_unit, R"({"partnership":1,"template":"ubd","title":"T"})"},
      {V::get, "/api/partnerships", access::signed_in, &api_router::list_partnerships, ""},
      {V::get, "/api/templates", access::signed_in, &api_router::list_templates, ""},
      {V::get, "/api/templates/{name}", access::signed_in, &api_router::get_template, ""},
      {V::get, "/api/units/{id}", access::member, &api_router::get_unit, ""},
      {V::post, "/api/units/{id}/duplicate", access::member, &api_router::duplicate_unit, "{}"},
      {V::post, "/api/units/{id}/archive", access::member, &api_router::archive_unit, R"({"archived":true})"},
      {V::get, "/api/units/{id}/export.md", access::member, &api_router::export_markdown, ""},
      {V::post, "/api/units/{id}/print", access::member, &api_router::record_print, "{}"},
      {V::post, "/api/units/{id}/invitations", access::member, &api_router::create_invitation, R"({"role":"teacher"})"},
      {V::get, "/api/invitations/{token}", access::anyone, &api_router::peek_invitation, ""},
      {V::post, "/api/invitations/{token}/accept", access::anyone, &api_router::accept_invitation,
       R"({"username":"newcomer","name":"New Comer","password":"a long enough passphrase"})"},
      {V::get, "/api/units/{id}/history", access::member, &api_router::history, ""},
      {V::get, "/api/units/{id}/history/{op}", access::member, &api_router::history_at, ""},
      {V::post, "/api/units/{id}/restore", access::member, &api_router::restore, R"({"op":0,"stream":"unit.goals"})"},
      {V::get, "/api/units/{id}/contributions", access::member, &api_router::contributions, ""},
      {V::get, "/api/units/{id}/blame", access::member, &api_router::blame, ""},
      {V::get, "/api/units/{id}/reflections", access::member, &api_router::list_reflections, ""},
      {V::post, "/api/units/{id}/reflections", access::member, &api_router::start_reflection,
       R"({"kind":"unit","protocol":"plus-delta"})"},
      {V::post, "/api/units/{id}/reflections/{rid}/protocol", access::member, &api_router::change_reflection_protocol,
       R"({"protocol":"after-action-review"})"},
      // (The protocol the route above sets: the access matrix test runs the examples in order.)
      {V::post, "/api/units/{id}/reflections/{rid}", access::member, &api_router::save_reflection,
       R"({"protocol":"after-action-review","answers":{}})"},
      {V::post, "/api/units/{id}/reflections/{rid}/submit", access::member, &api_router::submit_reflection, "{}"},
      {V::post, "/api/units/{id}/reflections/{rid}/agree", access::member, &api_router::agree_reflection,
       R"({"facet":"cooperation"})"},
      {V::get, "/api/units/{id}/action-items", access::member, &api_router::list_action_items, ""},
      {V::post, "/api/units/{id}/action-items/{item}", access::member, &api_router::set_action_item, R"({"done":true})"},
      {V::get, "/api/log", access::signed_in, &api_router::collaboration_log, ""},
      {V::get, "/api/log.csv", access::signed_in, &api_router::collaboration_log_csv, ""},
      {V::get, "/api/report", access::signed_in, &api_router::annual_report, ""},
      {V::get, "/api/coordinator/summary", access::coordinator, &api_router::coordinator_summary, ""},
      {V::get, "/api/units/{id}/student-notes", access::member, &api_router::list_student_notes, ""},
      {V::post, "/api/units/{id}/student-notes/settings", access::member, &api_router::set_student_notes, R"({"enabled":true})"},
      {V::post, "/api/units/{id}/student-notes", access::member, &api_router::add_student_note, R"({"text":"Needs a quieter corner"})"},
      {V::delete_, "/api/units/{id}/student-notes/{note}", access::member, &api_router::delete_student_note, ""},
      {V::delete_, "/api/units/{id}/student-notes", access::member, &api_router::delete_student_notes, ""},
      {V::get, "/api/admin/users", access::admin, &api_router::admin_users, ""},
      {V::post, "/api/admin/users", access::admin, &api_router::admin_create_user,
       R"({"username":"made","name":"Made Up","role":"teacher","password":"a long enough passphrase"})"},
      {V::post, "/api/admin/users/{uid}", access::admin, &api_router::admin_update_user, R"({"role":"teacher"})"},
      {V::get, "/api/admin/partnerships", access::admin, &api_router::admin_partnerships, ""},
      {V::post, "/api/admin/partnerships", access::admin, &api_router::admin_create_partnership,
       R"({"name":"P","members":[1]})"},
      {V::get, "/api/admin/schools", access::admin, &api_router::admin_schools, ""},
      {V::post, "/api/admin/schools", access::admin, &api_router::admin_create_school, R"({"name":"Hillside Middle"})"},
      {V::get, "/api/admin/audit", access::admin, &api_router::admin_audit, ""},
  };
  return table;
}

response text_response(const request& req, http::status status, const char* content_type, std::string body,
                       const std::string& download_name) {
  response res{status, req.version()};
  res.set(http::field::content_type, content_type);
  if (!download_name.empty()) res.set(http::field::content_disposition, "attachment; filename=\"" + download_name + "\"");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response json_response(const request& req, http::status status, const json& body) {
  return text_response(req, status, "application/json; charset=utf-8", body.dump(-1, ' ', false, json::error_handler_t::replace));
}

response error_response(const request& req, http::status status, const std::string& code, const std::string& message) {
  return json_response(req, status, {{"error", {{"code", code}, {"message", message}}}});
}

bool api_router::origin_allowed(const request& req) const {
  // Browsers label requests made by other sites; refuse those outright.
  auto site = req["Sec-Fetch-Site"];
  if (site == "cross-site") return false;
  auto origin = req[http::field::origin];
  if (origin.empty()) return true;  // not a browser cross-site request
  auto host = req[http::field::host];
  if (origin == "http://" + std::string(host) || origin == "https://" + std::string(host)) return true;
  for (const auto& o : svc_.config.allowed_origins)
    if (origin == o) return true;
  return false;
}

std::optional<store::user_record> api_router::authenticate(const request& req) {
  auto token = auth::session_cookie::token_from(req[http::field::cookie]);
  if (!token) return std::nullopt;
  return svc_.accounts.session_user(auth::token_digest(*token), now_ms());
}

void api_router::audit(const route_context& c, const std::string& action, const json& detail, const store::user_record* who) {
  const auto* u = who ? who : (c.user ? &*c.user : nullptr);
  svc_.accounts.audit(u ? u->id : 0, u ? u->username : "", action, detail.dump(), c.peer);
}

std::string api_router::client_address(const request& req, const std::string& peer) const {
  if (!svc_.config.trust_proxy) return peer;
  // The last entry of the last X-Forwarded-For line is the one our proxy added (earlier entries and
  // lines come from the client and can be forged; some proxies add a line rather than extend one).
  std::string_view forwarded;
  for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) forwarded = it->value();
  auto comma = forwarded.rfind(',');
  if (comma != std::string_view::npos) forwarded.remove_prefix(comma + 1);
  while (!forwarded.empty() && forwarded.front() == ' ') forwarded.remove_prefix(1);
  while (!forwarded.empty() && forwarded.back() == ' ') forwarded.remove_suffix(1);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(forwarded), ec);
  if (forwarded.empty() || ec) return peer;  // not an address: the proxy's own is safer than a made-up one
  return address.to_string();
}

bool api_router::secure_request(const request& req) const {
  return svc_.config.secure_cookies || (svc_.config.trust_proxy && req["X-Forwarded-Proto"] == "https");
}

response api_router::handle(const request& req, const std::string& peer) {
  std::string_view target = req.target();
  std::string path(target.substr(0, target.find('?')));
  // State-changing requests must come from our own pages: same Origin, not cross-site, and a
  // JSON body, which a cross-site form cannot send.
  if (req.method() != V::get && req.method() != V::head) {
    if (!origin_allowed(req)) return error_response(req, http::status::forbidden, "bad_origin", "cross-site request refused");
    if (!req.body().empty() && !starts_with(req[http::field::content_type], "application/json"))
      return error_response(req, http::status::unsupported_media_type, "bad_content_type", "send JSON");
  }
  try {
    bool path_known = false;
    const auto address = client_address(req, peer);
    for (const auto& r : routes()) {
      route_context c{req, address, std::nullopt, std::nullopt, {}};
      if (!match(r.pattern, path, c.params)) continue;
      path_known = true;
      if (r.method != req.method()) continue;
      if (r.need != access::anyone) {
        c.user = authenticate(req);
        if (!c.user) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
        if (r.need == access::admin && c.user->role != "admin")
          return error_response(req, http::status::forbidden, "forbidden", "only administrators may do that");
        if (r.need == access::coordinator && c.user->role != "coordinator" && c.user->role != "admin")
          return error_response(req, http::status::forbidden, "forbidden", "only coordinators may see this");
        if (r.need == access::member) {
          c.unit = svc_.accounts.unit_by_public_id(c.params.at("id"));
          // A unit you are not a member of is reported exactly like one that does not exist.
          if (!c.unit || !svc_.accounts.is_member(c.unit->id, c.user->id))
            return error_response(req, http::status::not_found, "unknown_unit", "no such unit");
        }
      } else {
        c.user = authenticate(req);
      }
      return (this->*r.handler)(c);
    }
    if (path_known) return error_response(req, http::status::method_not_allowed, "bad_method", "method not allowed here");
    return error_response(req, http::status::not_found, "not_found", "no such API route");
  } catch (const coded_error& e) {
    const auto& code = e.code();
    auto status = code == "storage_failed"                                 ? http::status::service_unavailable
                  : code.rfind("unknown_", 0) == 0 && code != "unknown_protocol" ? http::status::not_found
                  : code == "already_submitted" || code == "already_answered" || code == "protocol_changed" ||
                            code == "not_revealed" || code == "notes_off"
                      ? http::status::conflict
                                                                              : http::status::bad_request;
    return error_response(req, status, code, e.what());
  } catch (const json::exception&) {
    return error_response(req, http::status::bad_request, "bad_json", "request body is not the expected JSON");
  }
}

// ---- Accounts and sessions -------------------------------------------------------------------

response api_router::healthz(route_context& c) { return json_response(c.req, http::status::ok, {{"ok", true}}); }

// Counts only (no names, no content), in the Prometheus text format.
response api_router::metrics(route_context& c) {
  return text_response(c.req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                       svc_.metrics.render(svc_.live_sockets.load(), svc_.registry.open_count(), svc_.writer.current_stats()));
}

response api_router::start_session(const route_context& c, const store::user_record& user, json body) {
  auto token = auth::random_token(32);
  auto now = now_ms();
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(svc_.config.session_lifetime);
  svc_.accounts.create_session(auth::token_digest(token), user.id, now, now + lifetime.count() * 1000);
  body["user"] = user_json(user);
  auto res = json_response(c.req, http::status::ok, body);
  res.set(http::field::set_cookie, auth::session_cookie::set(token, lifetime, secure_request(c.req)));
  return res;
}

api_router::guess_keys api_router::guess_keys_of(const route_context& c, const std::string& username) {
  guess_keys k{"user:" + username, "addr:" + c.peer};
  std::transform(k.account.begin(), k.account.end(), k.account.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return k;
}

bool api_router::guesses_blocked(const guess_keys& k) {
  return svc_.account_limiter.blocked(k.account) || svc_.address_limiter.blocked(k.address);
}

void api_router::guess_failed(const guess_keys& k) {
  svc_.account_limiter.failure(k.account);
  svc_.address_limiter.failure(k.address);
}

response api_router::too_many_guesses(const route_context& c) {
  return error_response(c.req, http::status::too_many_requests, "rate_limited", "too many wrong passwords; wait a minute and try again");
}

response api_router::sign_in(route_context& c) {
  auto body = body_of(c);
  if (!body.is_object() || !body.contains("username") || !body.contains("password") || !body["username"].is_string() ||
      !body["password"].is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "username and password are required");
  auto username = body["username"].get<std::string>();
  auto password = body["password"].get<std::string>();
  if (username.size() > 100 || password.size() > 1000)
    return error_response(c.req, http::status::bad_request, "bad_request", "username or password too long");
  auto keys = guess_keys_of(c, username);
  // Too many recent failures: refused before any password hash is checked.
  if (guesses_blocked(keys)) {
    audit(c, "signin_blocked", {{"username", username}});
    return too_many_guesses(c);
  }
  auto user = svc_.accounts.user_by_name(username);
  // Verify against a real hash even for unknown users so timing does not reveal who exists.
  static const std::string dummy = svc_.hasher.hash("not a real password");
  bool ok = svc_.hasher.verify(user ? user->password_hash : dummy, password) && user && !user->disabled;
  if (!ok) {
    guess_failed(keys);
    audit(c, "signin_failed", {{"username", username}});
    return error_response(c.req, http::status::unauthorized, "bad_credentials", "wrong username or password");
  }
  svc_.account_limiter.clear(keys.account);
  audit(c, "signin", json::object(), &*user);
  return start_session(c, *user, json::object());
}

response api_router::sign_out(route_context& c) {
  if (auto token = auth::session_cookie::token_from(c.req[http::field::cookie])) {
    auto digest = auth::token_digest(*token);
    svc_.accounts.delete_session(digest);
    svc_.sessions.end_session(digest);  // its open WebSockets close now
    if (c.user) audit(c, "signout");
  }
  auto res = json_response(c.req, http::status::ok, {{"signedOut", true}});
  res.set(http::field::set_cookie, auth::session_cookie::clear(secure_request(c.req)));
  return res;
}

response api_router::me(route_context& c) {
  if (!c.user) return json_response(c.req, http::status::ok, {{"user", nullptr}});
  return json_response(c.req, http::status::ok, {{"user", user_json(*c.user)}});
}

response api_router::change_password(route_context& c) {
  auto body = body_of(c);
  if (!body.value("current", json()).is_string() || !body.value("password", json()).is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "current and new password are required");
  // A stolen session cookie must not buy unlimited guesses at the current password: wrong ones
  // count with sign-in's, and once over the limit the hash is not checked.
  auto keys = guess_keys_of(c, c.user->username);
  if (guesses_blocked(keys)) {
    audit(c, "password_change_blocked");
    return too_many_guesses(c);
  }
  auto full = svc_.accounts.user_by_id(c.user->id);
  if (!full || !svc_.hasher.verify(full->password_hash, body["current"].get<std::string>())) {
    guess_failed(keys);
    audit(c, "password_change_failed");
    return error_response(c.req, http::status::forbidden, "bad_credentials", "the current password is wrong");
  }
  auto problem = auth::password_policy::problem_with(body["password"], c.user->username);
  if (!problem.empty()) return error_response(c.req, http::status::bad_request, "weak_password", problem);
  svc_.accounts.set_password(c.user->id, svc_.hasher.hash(body["password"]));
  svc_.account_limiter.clear(keys.account);
  svc_.accounts.delete_sessions_of(c.user->id);
  svc_.sessions.end_user(c.user->id);
  audit(c, "password_changed");
  return start_session(c, *c.user, {{"changed", true}});
}

// ---- Units -----------------------------------------------------------------------------------

json api_router::unit_json(const store::unit_record& u) {
  auto members = json::array();
  for (const auto& m : svc_.accounts.unit_members(u.id)) members.push_back(user_json(m));
  auto values = u.values_json.empty() ? json::object() : json::parse(u.values_json, nullptr, false);
  auto online = json::array();
  std::int64_t last_edit = u.last_edit;
  for (const auto& a : svc_.registry.live())
    if (a->identity().id == u.id) {
      auto s = a->current_summary();
      values = s.values;
      online = s.online;
      last_edit = std::max(last_edit, s.last_edit);
    }
  if (!values.is_object()) values = json::object();
  return {{"id", u.public_id},
          {"title", values.value("title", u.title)},
          {"template", u.template_id},
          {"archived", u.archived},
          {"createdAt", u.created_at},
          {"lastEdit", last_edit},
          {"grade", values.value("grade", "")},
          {"subject", values.value("subject", "")},
          {"phase", values.value("phase", "plan")},
          {"copiedFrom", u.copied_from.empty() ? json() : json(u.copied_from)},
          {"members", std::move(members)},
          {"online", std::move(online)}};
}

response api_router::list_units(route_context& c) {
  auto list = json::array();
  for (const auto& u : svc_.accounts.units_for_user(c.user->id)) list.push_back(unit_json(u));
  return json_response(c.req, http::status::ok, {{"units", std::move(list)}});
}

response api_router::get_unit(route_context& c) {
  return json_response(c.req, http::status::ok, {{"unit", unit_json(*c.unit)}});
}

response api_router::list_partnerships(route_context& c) {
  auto list = json::array();
  for (const auto& p : svc_.accounts.partnerships_for_user(c.user->id)) {
    auto members = json::array();
    for (const auto& m : p.members) members.push_back(user_json(m));
    list.push_back({{"id", p.id}, {"name", p.name}, {"members", std::move(members)}});
  }
  return json_response(c.req, http::status::ok, {{"partnerships", std::move(list)}});
}

namespace {

// A unit title from a request body: 1–200 bytes of text after trimming.
std::optional<std::string> title_of(const json& body, const std::string& fallback) {
  if (!body.contains("title") || body["title"].is_null()) return fallback;
  if (!body["title"].is_string()) return std::nullopt;
  auto t = body["title"].get<std::string>();
  auto a = t.find_first_not_of(" \t\r\n"), b = t.find_last_not_of(" \t\r\n");
  if (a == std::string::npos) return fallback;
  t = t.substr(a, b - a + 1);
  if (t.size() > 200) return std::nullopt;
  return t;
}

}  // namespace

response api_router::create_unit(route_context& c) {
  auto body = body_of(c);
  if (!body.is_object() || !body.contains("partnership") || !body["partnership"].is_number_integer())
    return error_response(c.req, http::status::bad_request, "bad_request", "choose a partnership");
  auto partnership = svc_.accounts.partnership(body["partnership"].get<std::int64_t>());
  // Coordinators and administrators are never members of units, so they cannot make one either.
  bool member = store::account_store::may_join_units(c.user->role) && partnership &&
                std::any_of(partnership->members.begin(), partnership->members.end(),
                            [&](const store::user_record& m) { return m.id == c.user->id; });
  if (!member) return error_response(c.req, http::status::not_found, "unknown_partnership", "no such partnership");
  auto template_id = body.value("template", std::string("ubd"));
  if (!svc_.registry.templates().find(template_id))
    return error_response(c.req, http::status::bad_request, "unknown_template", "no such template");
  auto title = title_of(body, "Untitled unit");
  if (!title) return error_response(c.req, http::status::bad_request, "bad_value", "a title is 1–200 characters");
  std::vector<std::int64_t> members;
  for (const auto& m : partnership->members) members.push_back(m.id);
  auto unit = svc_.registry.create_unit(partnership->id, template_id, *title, c.user->id, members);
  return json_response(c.req, http::status::created, {{"unit", unit_json(unit)}});
}

response api_router::duplicate_unit(route_context& c) {
  auto body = body_of(c);
  std::optional<unit::unit_doc> copy;
  std::string old_title;
  svc_.registry.open(*c.unit)->run_and_wait([&](const unit::unit_doc& doc) {
    copy.emplace(doc.copy_for_reuse());
    auto it = doc.unit_values().find("title");
    old_title = it != doc.unit_values().end() && it->second.is_string() ? it->second.get<std::string>() : c.unit->title;
  });
  auto title = title_of(body, old_title + " (next year)");
  if (!title) return error_response(c.req, http::status::bad_request, "bad_value", "a title is 1–200 characters");
  std::vector<std::int64_t> members;
  for (const auto& m : svc_.accounts.unit_members(c.unit->id)) members.push_back(m.id);
  auto made = svc_.registry.create_unit(c.unit->partnership_id, c.unit->template_id, *title, c.user->id, members, &*copy,
                                        c.unit->id);
  return json_response(c.req, http::status::created, {{"unit", unit_json(made)}});
}

response api_router::archive_unit(route_context& c) {
  auto body = body_of(c);
  if (!body.is_object() || !body.contains("archived") || !body["archived"].is_boolean())
    return error_response(c.req, http::status::bad_request, "bad_request", "say archived: true or false");
  svc_.accounts.set_archived(c.unit->id, body["archived"].get<bool>());
  c.unit->archived = body["archived"].get<bool>();
  return json_response(c.req, http::status::ok, {{"unit", unit_json(*c.unit)}});
}

response api_router::export_markdown(route_context& c) {
  auto authority = svc_.registry.open(*c.unit);
  std::string md;
  authority->run_and_wait([&](const unit::unit_doc& doc) { md = review::unit_markdown::render(doc, authority->members()); });
  audit(c, "export", {{"unit", c.unit->public_id}, {"format", "markdown"}});
  return text_response(c.req, http::status::ok, "text/markdown; charset=utf-8", std::move(md), c.unit->public_id + ".md");
}

// The browser prints the unit page itself; it says so here, so the print is in the audit log like
// every other export.
response api_router::record_print(route_context& c) {
  audit(c, "export", {{"unit", c.unit->public_id}, {"format", "print"}});
  return json_response(c.req, http::status::ok, {{"recorded", true}});
}

response api_router::list_templates(route_context& c) {
  auto list = json::array();
  for (const auto& [id, t] : svc_.registry.templates().all())
    list.push_back({{"id", id}, {"name", t->name()}, {"summary", t->source().value("summary", "")}});
  return json_response(c.req, http::status::ok, {{"templates", std::move(list)}});
}

response api_router::get_template(route_context& c) {
  auto t = svc_.registry.templates().find(c.params.at("name"));
  if (!t) return error_response(c.req, http::status::not_found, "unknown_template", "no such template");
  return json_response(c.req, http::status::ok, {{"template", t->source()}});
}

// ---- Invitations -----------------------------------------------------------------------------

response api_router::create_invitation(route_context& c) {
  auto body = body_of(c);
  auto role = body.value("role", std::string("teacher"));
  if (role != "teacher" && role != "librarian")
    return error_response(c.req, http::status::bad_request, "bad_value", "invite a teacher or a librarian");
  auto token = auth::random_token(24);
  auto now = now_ms();
  auto expires = now + std::chrono::duration_cast<std::chrono::milliseconds>(svc_.config.invitation_lifetime).count();
  svc_.accounts.create_invitation(auth::token_digest(token), c.unit->id, role, c.user->id, now, expires);
  audit(c, "invitation_created", {{"unit", c.unit->public_id}, {"role", role}});
  return json_response(c.req, http::status::created, {{"link", "/invite/" + token}, {"role", role}, {"expiresAt", expires}});
}

response api_router::peek_invitation(route_context& c) {
  auto inv = svc_.accounts.invitation(auth::token_digest(c.params.at("token")));
  if (!inv) return error_response(c.req, http::status::not_found, "invitation_invalid", "this invitation link is not valid");
  if (inv->used_at) return error_response(c.req, http::status::gone, "invitation_used", "this invitation has already been used");
  if (inv->expires_at <= now_ms())
    return error_response(c.req, http::status::gone, "invitation_expired", "this invitation has expired; ask for a new one");
  auto inviter = svc_.accounts.user_by_id(inv->created_by);
  std::string title;
  for (const auto& u : svc_.accounts.units_for_user(inv->created_by))
    if (u.id == inv->unit_id) title = u.title;
  return json_response(c.req, http::status::ok,
                       {{"invitation", {{"unit", title}, {"role", inv->role}, {"from", inviter ? inviter->display_name : ""},
                                        {"expiresAt", inv->expires_at}}},
                        {"signedIn", c.user ? user_json(*c.user) : json()}});
}

response api_router::accept_invitation(route_context& c) {
  auto digest = auth::token_digest(c.params.at("token"));
  auto inv = svc_.accounts.invitation(digest);
  auto now = now_ms();
  if (!inv) return error_response(c.req, http::status::not_found, "invitation_invalid", "this invitation link is not valid");
  if (inv->used_at) return error_response(c.req, http::status::gone, "invitation_used", "this invitation has already been used");
  if (inv->expires_at <= now)
    return error_response(c.req, http::status::gone, "invitation_expired", "this invitation has expired; ask for a new one");
  std::optional<store::user_record> user = c.user;
  // The invitation is for a role: a signed-in account of another role (a coordinator or an
  // administrator opening the link, or a librarian given a teacher's link) cannot take it.
  if (user && user->role != inv->role)
    return error_response(c.req, http::status::forbidden, "invitation_role",
                          "this invitation is for a " + inv->role + "; you are signed in as " + user->role);
  bool created = false;
  if (!user) {
    // A newcomer: the invitation makes their account, with the invited role.
    auto body = body_of(c);
    auto username = body.value("username", json()), name = body.value("name", json()), password = body.value("password", json());
    if (!username.is_string() || !name.is_string() || !password.is_string())
      return error_response(c.req, http::status::bad_request, "bad_request", "username, name and password are required");
    auto u = username.get<std::string>();
    if (u.size() < 3 || u.size() > 40 || u.find_first_of(" \t/\\<>\"'") != std::string::npos)
      return error_response(c.req, http::status::bad_request, "bad_value", "a username is 3–40 characters without spaces");
    if (name.get<std::string>().empty() || name.get<std::string>().size() > 100)
      return error_response(c.req, http::status::bad_request, "bad_value", "a name is 1–100 characters");
    auto problem = auth::password_policy::problem_with(password, u);
    if (!problem.empty()) return error_response(c.req, http::status::bad_request, "weak_password", problem);
    if (svc_.accounts.user_by_name(u)) return error_response(c.req, http::status::conflict, "username_taken", "that username is taken");
    auto id = svc_.accounts.create_user(u, name, inv->role, svc_.hasher.hash(password));
    user = svc_.accounts.user_by_id(id);
    created = true;
  }
  if (!svc_.accounts.use_invitation(digest, user->id, now)) {
    if (created) svc_.accounts.set_disabled(user->id, true);
    return error_response(c.req, http::status::gone, "invitation_used", "this invitation has already been used");
  }
  // Tell an open unit about its new member.
  for (const auto& a : svc_.registry.live())
    if (a->identity().id == inv->unit_id)
      a->add_member({static_cast<std::uint32_t>(user->id), user->display_name, user->role});
  std::string public_id;
  for (const auto& u : svc_.accounts.units_for_user(user->id))
    if (u.id == inv->unit_id) public_id = u.public_id;
  audit(c, "invitation_accepted", {{"unit", public_id}, {"role", inv->role}, {"newAccount", created}}, &*user);
  audit(c, "member_added", {{"unit", public_id}, {"member", user->username}}, &*user);
  if (c.user) return json_response(c.req, http::status::ok, {{"unit", public_id}, {"user", user_json(*user)}});
  return start_session(c, *user, {{"unit", public_id}});
}

// ---- The record --------------------------------------------------------------------------------

response api_router::history(route_context& c) {
  return json_response(c.req, http::status::ok, svc_.history.timeline(*c.unit));
}

response api_router::history_at(route_context& c) {
  return json_response(c.req, http::status::ok, svc_.history.state_at(*c.unit, static_cast<std::uint64_t>(number_param(c, "op"))));
}

response api_router::restore(route_context& c) {
  auto body = body_of(c);
  if (!body.is_object() || !body.contains("op") || !body["op"].is_number_unsigned())
    return error_response(c.req, http::status::bad_request, "bad_request", "say which op to restore from");
  auto op = body["op"].get<std::uint64_t>();
  auto authority = svc_.registry.open(*c.unit);
  auto author = static_cast<std::uint32_t>(c.user->id);
  if (body.contains("stream") && body["stream"].is_string()) {
    auto stream = body["stream"].get<std::string>();
    auto past = svc_.history.text_at(*c.unit, op, stream);
    if (!past) return error_response(c.req, http::status::bad_request, "unknown_stream", "that field did not exist then");
    auto target = text::utf8_to_utf16(*past);
    // Replace only what differs, so unchanged text keeps its authors.
    auto version = authority->server_edit(
        stream, [&target](const text::text_buffer& now) { return text::change_set::between(now.to_u16(), target); }, author);
    return json_response(c.req, http::status::ok, {{"restored", stream}, {"version", version}});
  }
  if (body.contains("field") && body["field"].is_string()) {
    // A scalar value (a date, an approach, the grade, the phase …) as it was then, set again now.
    auto block = body.contains("block") && body["block"].is_string() ? body["block"].get<std::string>() : std::string("unit");
    auto field = body["field"].get<std::string>();
    auto past = svc_.history.value_at(*c.unit, op, block, field);
    if (!past) return error_response(c.req, http::status::not_found, "unknown_block", "that block did not exist then");
    unit::command cmd;
    cmd.op = unit::command_op::set_value;
    cmd.block = block;
    cmd.field = field;
    cmd.value = *past;
    authority->server_command(cmd, author);
    return json_response(c.req, http::status::ok, {{"restored", field}, {"block", block}});
  }
  if (body.contains("block") && body["block"].is_string()) {
    unit::command cmd;
    cmd.op = unit::command_op::restore_block;
    cmd.block = body["block"].get<std::string>();
    authority->server_command(cmd, author);
    return json_response(c.req, http::status::ok, {{"restored", cmd.block}});
  }
  return error_response(c.req, http::status::bad_request, "bad_request", "say which field (stream) or block to restore");
}

response api_router::contributions(route_context& c) {
  // ?op=N: the figures as of the unit's first N ops (the numbering of /history/{op}); else now.
  std::optional<std::uint64_t> op;
  if (auto at = query_param(c.req.target(), "op"); !at.empty()) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(at.data(), at.data() + at.size(), n);
    if (ec != std::errc() || p != at.data() + at.size()) throw coded_error("bad_request", "op must be a number of ops");
    op = n;
  }
  auto authority = svc_.registry.open(*c.unit);
  return json_response(c.req, http::status::ok,
                       svc_.history.contributions(*c.unit, authority->members(), svc_.registry.templates().expertise(), op));
}

response api_router::blame(route_context& c) { return json_response(c.req, http::status::ok, svc_.history.blame(*c.unit)); }

// ---- Reflection ------------------------------------------------------------------------------

response api_router::list_reflections(route_context& c) {
  return json_response(c.req, http::status::ok, svc_.reflections.list(*c.unit, static_cast<std::uint32_t>(c.user->id)));
}

response api_router::start_reflection(route_context& c) {
  auto b = body_of(c);
  return json_response(c.req, http::status::created,
                       {{"reflection", svc_.reflections.start(*c.unit, static_cast<std::uint32_t>(c.user->id), b.value("kind", "unit"),
                                                              b.value("protocol", "what-so-what-now-what"), b.value("lesson", ""))}});
}

response api_router::change_reflection_protocol(route_context& c) {
  auto b = body_of(c);
  if (!b.contains("protocol") || !b["protocol"].is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "say which protocol");
  return json_response(c.req, http::status::ok,
                       {{"reflection", svc_.reflections.change_protocol(*c.unit, number_param(c, "rid"),
                                                                        static_cast<std::uint32_t>(c.user->id), b["protocol"])}});
}

response api_router::save_reflection(route_context& c) {
  auto b = body_of(c);
  // The protocol the page answered under: a draft never lands under prompts its writer did not see.
  if (!b.contains("protocol") || !b["protocol"].is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "say which protocol the answers are for");
  return json_response(c.req, http::status::ok,
                       {{"reflection", svc_.reflections.save(*c.unit, number_param(c, "rid"), static_cast<std::uint32_t>(c.user->id),
                                                             b["protocol"], b.value("prompts", json()), b.value("answers", json::object()),
                                                             b.value("facet", json()))}});
}

response api_router::submit_reflection(route_context& c) {
  return json_response(c.req, http::status::ok,
                       {{"reflection", svc_.reflections.submit(*c.unit, number_param(c, "rid"), static_cast<std::uint32_t>(c.user->id))}});
}

response api_router::agree_reflection(route_context& c) {
  auto b = body_of(c);
  if (!b.contains("facet") || !b["facet"].is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "say which facet");
  return json_response(
      c.req, http::status::ok,
      {{"reflection", svc_.reflections.agree(*c.unit, number_param(c, "rid"), static_cast<std::uint32_t>(c.user->id), b["facet"])}});
}

response api_router::list_action_items(route_context& c) {
  return json_response(c.req, http::status::ok, svc_.reflections.action_items(*c.unit));
}

response api_router::set_action_item(route_context& c) {
  auto b = body_of(c);
  if (!b.contains("done") || !b["done"].is_boolean())
    return error_response(c.req, http::status::bad_request, "bad_request", "say done: true or false");
  svc_.reflections.set_action_done(*c.unit, number_param(c, "item"), b["done"]);
  return json_response(c.req, http::status::ok, svc_.reflections.action_items(*c.unit));
}

// ---- Collaboration log, reports, the coordinator's counts -------------------------------------

namespace {

review::log_filters filters_of(const request& req) {
  review::log_filters f;
  f.year = query_param(req.target(), "year");
  f.grade = query_param(req.target(), "grade");
  f.subject = query_param(req.target(), "subject");
  auto partner = query_param(req.target(), "partner");
  if (!partner.empty()) {
    auto [p, ec] = std::from_chars(partner.data(), partner.data() + partner.size(), f.partner);
    if (ec != std::errc() || p != partner.data() + partner.size() || f.partner < 0)
      throw coded_error("bad_request", "partner must be a user id");
  }
  return f;
}

}  // namespace

response api_router::collaboration_log(route_context& c) {
  return json_response(c.req, http::status::ok, svc_.log.log(*c.user, filters_of(c.req)));
}

response api_router::collaboration_log_csv(route_context& c) {
  auto csv = review::collaboration_log::to_csv(svc_.log.log(*c.user, filters_of(c.req)));
  audit(c, "export", {{"format", "log-csv"}});
  return text_response(c.req, http::status::ok, "text/csv; charset=utf-8; header=present", std::move(csv),
                       "collaboration-log.csv");
}

// The annual report's figures: the log itself, recorded in the audit log as an export (the page
// that shows them is made to be printed or saved as PDF).
response api_router::annual_report(route_context& c) {
  auto filters = filters_of(c.req);
  auto log = svc_.log.log(*c.user, filters);
  audit(c, "export", {{"format", "annual-report"}, {"year", filters.year}});
  return json_response(c.req, http::status::ok, log);
}

response api_router::coordinator_summary(route_context& c) {
  return json_response(c.req, http::status::ok, svc_.log.coordinator_summary(*c.user));
}

// ---- Student notes ---------------------------------------------------------------------------

namespace {
json note_json(const store::student_note& n) {
  return {{"id", n.id}, {"author", n.author}, {"text", n.text}, {"createdAt", n.created_at}};
}
}  // namespace

response api_router::list_student_notes(route_context& c) {
  auto notes = json::array();
  for (const auto& n : svc_.notes.list(c.unit->id)) notes.push_back(note_json(n));
  return json_response(c.req, http::status::ok, {{"enabled", svc_.notes.enabled(c.unit->id)}, {"notes", std::move(notes)}});
}

response api_router::set_student_notes(route_context& c) {
  auto b = body_of(c);
  if (!b.contains("enabled") || !b["enabled"].is_boolean())
    return error_response(c.req, http::status::bad_request, "bad_request", "say enabled: true or false");
  svc_.notes.set_enabled(c.unit->id, b["enabled"]);
  audit(c, b["enabled"].get<bool>() ? "student_notes_on" : "student_notes_off", {{"unit", c.unit->public_id}});
  return list_student_notes(c);
}

response api_router::add_student_note(route_context& c) {
  auto b = body_of(c);
  if (!b.contains("text") || !b["text"].is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "send the note's text");
  auto n = svc_.notes.add(c.unit->id, c.user->id, b["text"], now_ms());
  return json_response(c.req, http::status::created,
                       {{"note", note_json(n)}});
}

response api_router::delete_student_note(route_context& c) {
  svc_.notes.remove(c.unit->id, number_param(c, "note"));
  audit(c, "student_note_deleted", {{"unit", c.unit->public_id}});
  return list_student_notes(c);
}

response api_router::delete_student_notes(route_context& c) {
  auto n = svc_.notes.remove_all(c.unit->id);
  audit(c, "student_notes_deleted", {{"unit", c.unit->public_id}, {"count", n}});
  return list_student_notes(c);
}

// ---- Administration --------------------------------------------------------------------------

response api_router::admin_users(route_context& c) {
  auto list = json::array();
  for (const auto& u : svc_.accounts.all_users()) {
    auto j = user_json(u);
    j["school"] = u.school_id ? json(u.school_id) : json();
    j["disabled"] = u.disabled;
    if (u.role == "coordinator") j["schools"] = svc_.accounts.coordinator_schools(u.id);
    list.push_back(std::move(j));
  }
  return json_response(c.req, http::status::ok, {{"users", std::move(list)}});
}

response api_router::admin_create_user(route_context& c) {
  auto b = body_of(c);
  auto username = b.value("username", json()), name = b.value("name", json()), role = b.value("role", json()),
       password = b.value("password", json());
  if (!username.is_string() || !name.is_string() || !role.is_string() || !password.is_string())
    return error_response(c.req, http::status::bad_request, "bad_request", "username, name, role and password are required");
  if (!roles().count(role)) return error_response(c.req, http::status::bad_request, "bad_value", "unknown role");
  auto u = username.get<std::string>();
  if (u.size() < 3 || u.size() > 40 || u.find_first_of(" \t/\\<>\"'") != std::string::npos)
    return error_response(c.req, http::status::bad_request, "bad_value", "a username is 3–40 characters without spaces");
  auto problem = auth::password_policy::problem_with(password, u);
  if (!problem.empty()) return error_response(c.req, http::status::bad_request, "weak_password", problem);
  if (svc_.accounts.user_by_name(u)) return error_response(c.req, http::status::conflict, "username_taken", "that username is taken");
  auto id = svc_.accounts.create_user(u, name, role, svc_.hasher.hash(password));
  if (b.contains("school") && b["school"].is_number_integer()) svc_.accounts.set_user_school(id, b["school"]);
  audit(c, "user_created", {{"user", u}, {"role", role}});
  return json_response(c.req, http::status::created, {{"user", user_json(*svc_.accounts.user_by_id(id))}});
}

response api_router::admin_update_user(route_context& c) {
  auto target = svc_.accounts.user_by_id(number_param(c, "uid"));
  if (!target) return error_response(c.req, http::status::not_found, "unknown_user", "no such user");
  auto b = body_of(c);
  if (b.contains("role")) {
    if (!b["role"].is_string() || !roles().count(b["role"]))
      return error_response(c.req, http::status::bad_request, "bad_value", "unknown role");
    svc_.accounts.set_role(target->id, b["role"]);
    audit(c, "role_changed", {{"user", target->username}, {"from", target->role}, {"to", b["role"]}});
  }
  if (b.contains("password")) {
    if (!b["password"].is_string()) return error_response(c.req, http::status::bad_request, "bad_value", "a password is text");
    auto problem = auth::password_policy::problem_with(b["password"], target->username);
    if (!problem.empty()) return error_response(c.req, http::status::bad_request, "weak_password", problem);
    svc_.accounts.set_password(target->id, svc_.hasher.hash(b["password"]));
    audit(c, "password_reset", {{"user", target->username}});
  }
  if (b.contains("disabled")) {
    if (!b["disabled"].is_boolean()) return error_response(c.req, http::status::bad_request, "bad_value", "disabled is true or false");
    svc_.accounts.set_disabled(target->id, b["disabled"]);
    audit(c, b["disabled"].get<bool>() ? "user_disabled" : "user_enabled", {{"user", target->username}});
  }
  if (b.contains("school") && (b["school"].is_number_integer() || b["school"].is_null()))
    svc_.accounts.set_user_school(target->id, b["school"].is_null() ? 0 : b["school"].get<std::int64_t>());
  if (b.contains("coordinates") && b["coordinates"].is_number_integer()) {
    svc_.accounts.assign_coordinator(target->id, b["coordinates"]);
    audit(c, "coordinator_assigned", {{"user", target->username}, {"school", b["coordinates"]}});
  }
  // New credentials or a new role: every session of that person ends now.
  bool left_units = b.contains("role") && !store::account_store::may_join_units(b["role"]);
  if (b.contains("password") || b.contains("role") || (b.contains("disabled") && b["disabled"] == true)) {
    svc_.accounts.delete_sessions_of(target->id);
    // Regression: made coordinator or administrator, a member's open unit pages were closed as
    // signed out (4001), which won the race with the units' not_a_member (4003), so the page
    // asked them to sign in again to a unit they no longer belong to. Their WebSockets are all
    // unit connections, and the units close every one of them with 4003 just below (one not yet
    // joined is refused at its hello); their HTTP session is gone already.
    if (!left_units) svc_.sessions.end_user(target->id);
  }
  // A new role reaches the open units now: made coordinator or administrator, they are no longer
  // a member of any unit (account_store::may_join_units), and every message they send is refused.
  if (b.contains("role")) svc_.registry.refresh_members();
  return json_response(c.req, http::status::ok, {{"user", user_json(*svc_.accounts.user_by_id(target->id))}});
}

response api_router::admin_partnerships(route_context& c) {
  auto list = json::array();
  std::set<std::int64_t> seen;
  for (const auto& u : svc_.accounts.all_users())
    for (const auto& p : svc_.accounts.partnerships_for_user(u.id)) {
      if (!seen.insert(p.id).second) continue;
      auto members = json::array();
      for (const auto& m : p.members) members.push_back(user_json(m));
      list.push_back({{"id", p.id}, {"name", p.name}, {"members", std::move(members)}});
    }
  return json_response(c.req, http::status::ok, {{"partnerships", std::move(list)}});
}

response api_router::admin_create_partnership(route_context& c) {
  auto b = body_of(c);
  if (!b.value("name", json()).is_string() || !b.value("members", json()).is_array() || b["members"].empty() ||
      b["members"].size() > 10)
    return error_response(c.req, http::status::bad_request, "bad_request", "a name and 1–10 members are required");
  std::vector<std::int64_t> members;
  for (const auto& m : b["members"]) {
    if (!m.is_number_integer() || !svc_.accounts.user_by_id(m))
      return error_response(c.req, http::status::bad_request, "unknown_user", "no such user");
    members.push_back(m);
  }
  auto id = svc_.accounts.create_partnership(b["name"], members);
  audit(c, "partnership_created", {{"partnership", id}, {"members", members}});
  return json_response(c.req, http::status::created, {{"partnership", {{"id", id}, {"name", b["name"]}}}});
}

response api_router::admin_schools(route_context& c) {
  auto list = json::array();
  for (const auto& [id, name] : svc_.accounts.schools()) list.push_back({{"id", id}, {"name", name}});
  return json_response(c.req, http::status::ok, {{"schools", std::move(list)}});
}

response api_router::admin_create_school(route_context& c) {
  auto b = body_of(c);
  if (!b.value("name", json()).is_string() || b["name"].get<std::string>().empty() || b["name"].get<std::string>().size() > 120)
    return error_response(c.req, http::status::bad_request, "bad_value", "a school name is 1–120 characters");
  auto id = svc_.accounts.create_school(b["name"]);
  audit(c, "school_created", {{"school", b["name"]}});
  return json_response(c.req, http::status::created, {{"school", {{"id", id}, {"name", b["name"]}}}});
}

response api_router::admin_audit(route_context& c) {
  auto list = json::array();
  for (const auto& e : svc_.accounts.audit_log(200))
    list.push_back({{"id", e.id}, {"time", e.time}, {"user", e.user_id ? json(e.user_id) : json()}, {"username", e.username},
                    {"action", e.action}, {"detail", json::parse(e.detail, nullptr, false)}, {"address", e.address}});
  return json_response(c.req, http::status::ok, {{"entries", std::move(list)}});
}

}  // namespace coplan::net
