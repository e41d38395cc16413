// JSON HTTP API routes (see api_router.hpp).
#include "net/api_router.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "auth/session_cookie.hpp"
#include "auth/tokens.hpp"

namespace coplan::net {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json user_json(const store::user_record& u) {
  return {{"id", u.id}, {"username", u.username}, {"name", u.display_name}, {"role", u.role}};
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

response json_response(const request& req, http::status status, const nlohmann::json& body) {
  response res{status, req.version()};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

response error_response(const request& req, http::status status, const std::string& code, const std::string& message) {
  return json_response(req, status, {{"error", {{"code", code}, {"message", message}}}});
}

bool api_router::origin_allowed(const request& req) const {
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

response api_router::handle(const request& req, const std::string& peer) {
  std::string_view target = req.target();
  auto q = target.find('?');
  std::string path(target.substr(0, q));
  // State-changing requests must come from our own pages: same Origin and a JSON body, which a
  // cross-site form cannot send.
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    if (!origin_allowed(req)) return error_response(req, http::status::forbidden, "bad_origin", "cross-site request refused");
    if (!req.body().empty() && !starts_with(req[http::field::content_type], "application/json"))
      return error_response(req, http::status::unsupported_media_type, "bad_content_type", "send JSON");
  }
  try {
    if (path == "/healthz") return json_response(req, http::status::ok, {{"ok", true}});
    if (path == "/api/signin" && req.method() == http::verb::post) return sign_in(req);
    if (path == "/api/signout" && req.method() == http::verb::post) return sign_out(req);
    if (path == "/api/me" && req.method() == http::verb::get) return me(req);
    if (path == "/api/units" && req.method() == http::verb::get) return list_units(req);
    if (path == "/api/templates" && req.method() == http::verb::get) return list_templates(req);
    if (starts_with(path, "/api/units/") && req.method() == http::verb::get)
      return get_unit(req, path.substr(std::string_view("/api/units/").size()));
    if (starts_with(path, "/api/templates/") && req.method() == http::verb::get)
      return get_template(req, path.substr(std::string_view("/api/templates/").size()));
    return error_response(req, http::status::not_found, "not_found", "no such API route");
  } catch (const nlohmann::json::exception&) {
    return error_response(req, http::status::bad_request, "bad_json", "request body is not the expected JSON");
  }
}

response api_router::sign_in(const request& req) {
  auto body = nlohmann::json::parse(req.body());
  if (!body.is_object() || !body.contains("username") || !body.contains("password") ||
      !body["username"].is_string() || !body["password"].is_string())
    return error_response(req, http::status::bad_request, "bad_request", "username and password are required");
  auto username = body["username"].get<std::string>();
  auto password = body["password"].get<std::string>();
  if (username.size() > 100 || password.size() > 1000)
    return error_response(req, http::status::bad_request, "bad_request", "username or password too long");
  auto user = svc_.accounts.user_by_name(username);
  // Verify against a real hash even for unknown users so timing does not reveal who exists.
  static const std::string dummy = svc_.hasher.hash("not a real password");
  bool ok = svc_.hasher.verify(user ? user->password_hash : dummy, password) && user.has_value();
  if (!ok) return error_response(req, http::status::unauthorized, "bad_credentials", "wrong username or password");
  auto token = auth::random_token(32);
  auto now = now_ms();
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(svc_.config.session_lifetime);
  svc_.accounts.create_session(auth::token_digest(token), user->id, now, now + lifetime.count() * 1000);
  auto res = json_response(req, http::status::ok, {{"user", user_json(*user)}});
  res.set(http::field::set_cookie, auth::session_cookie::set(token, lifetime, svc_.config.secure_cookies));
  return res;
}

response api_router::sign_out(const request& req) {
  if (auto token = auth::session_cookie::token_from(req[http::field::cookie]))
    svc_.accounts.delete_session(auth::token_digest(*token));
  auto res = json_response(req, http::status::ok, {{"signedOut", true}});
  res.set(http::field::set_cookie, auth::session_cookie::clear(svc_.config.secure_cookies));
  return res;
}

response api_router::me(const request& req) {
  auto user = authenticate(req);
  if (!user) return json_response(req, http::status::ok, {{"user", nullptr}});
  return json_response(req, http::status::ok, {{"user", user_json(*user)}});
}

response api_router::list_units(const request& req) {
  auto user = authenticate(req);
  if (!user) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto live = svc_.registry.live();
  auto list = nlohmann::json::array();
  for (const auto& u : svc_.accounts.units_for_user(user->id)) {
    auto members = nlohmann::json::array();
    for (const auto& m : svc_.accounts.unit_members(u.id)) members.push_back(user_json(m));
    std::size_t online = 0;
    for (const auto& a : live)
      if (a->identity().id == u.id) online = a->subscriber_count();
    list.push_back({{"id", u.public_id},
                    {"title", u.title},
                    {"template", u.template_id},
                    {"archived", u.archived},
                    {"createdAt", u.created_at},
                    {"lastEdit", u.last_edit},
                    {"members", std::move(members)},
                    {"connections", online}});
  }
  return json_response(req, http::status::ok, {{"units", std::move(list)}});
}

response api_router::get_unit(const request& req, const std::string& id) {
  auto user = authenticate(req);
  if (!user) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto unit = svc_.accounts.unit_by_public_id(id);
  // A unit you are not a member of is reported exactly like one that does not exist.
  if (!unit || !svc_.accounts.is_member(unit->id, user->id))
    return error_response(req, http::status::not_found, "unknown_unit", "no such unit");
  auto members = nlohmann::json::array();
  for (const auto& m : svc_.accounts.unit_members(unit->id)) members.push_back(user_json(m));
  return json_response(req, http::status::ok,
                       {{"unit", {{"id", unit->public_id}, {"title", unit->title}, {"template", unit->template_id},
                                  {"members", std::move(members)}}}});
}

response api_router::list_templates(const request& req) {
  if (!authenticate(req)) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto list = nlohmann::json::array();
  for (const auto& [id, t] : svc_.registry.templates().all())
    list.push_back({{"id", id}, {"name", t->name()}, {"summary", t->source().value("summary", "")}});
  return json_response(req, http::status::ok, {{"templates", std::move(list)}});
}

response api_router::get_template(const request& req, const std::string& id) {
  if (!authenticate(req)) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto t = svc_.registry.templates().find(id);
  if (!t) return error_response(req, http::status::not_found, "unknown_template", "no such template");
  return json_response(req, http::status::ok, {{"template", t->source()}});
}

}  // namespace coplan::net
