// JSON HTTP API routes (see api_router.hpp).
#include "net/api_router.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <nlohmann/json.hpp>

#include "auth/session_cookie.hpp"
#include "auth/tokens.hpp"
#include "review/unit_markdown.hpp"
#include "text/coded_error.hpp"
#include "text/utf16.hpp"

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
    if (path == "/api/partnerships" && req.method() == http::verb::get) return list_partnerships(req);
    if (path == "/api/units" && req.method() == http::verb::post) return create_unit(req);
    if (starts_with(path, "/api/units/")) {
      auto rest = path.substr(std::string_view("/api/units/").size());
      auto slash = rest.find('/');
      auto id = rest.substr(0, slash);
      auto action = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
      if (action.empty() && req.method() == http::verb::get) return get_unit(req, id);
      if (action == "duplicate" && req.method() == http::verb::post) return duplicate_unit(req, id);
      if (action == "archive" && req.method() == http::verb::post) return archive_unit(req, id);
      if (action == "export.md" && req.method() == http::verb::get) return export_markdown(req, id);
      if ((action == "history" || starts_with(action, "history/")) && req.method() == http::verb::get)
        return history(req, id, action.substr(std::min<std::size_t>(action.size(), 8)));
      if (action == "restore" && req.method() == http::verb::post) return restore(req, id);
      if (action == "contributions" && req.method() == http::verb::get) return contributions(req, id);
      if (action == "blame" && req.method() == http::verb::get) return blame(req, id);
      if (action == "reflections" || starts_with(action, "reflections/"))
        return reflections(req, id, action.substr(std::min<std::size_t>(action.size(), 12)));
      if (action == "action-items" || starts_with(action, "action-items/"))
        return action_items(req, id, action.substr(std::min<std::size_t>(action.size(), 13)));
    }
    if (starts_with(path, "/api/templates/") && req.method() == http::verb::get)
      return get_template(req, path.substr(std::string_view("/api/templates/").size()));
    return error_response(req, http::status::not_found, "not_found", "no such API route");
  } catch (const coded_error& e) {
    auto status = e.code() == "storage_failed"                                  ? http::status::service_unavailable
                  : e.code().rfind("unknown_", 0) == 0 && e.code() != "unknown_protocol" ? http::status::not_found
                  : e.code() == "already_submitted" || e.code() == "not_revealed"     ? http::status::conflict
                                                                                       : http::status::bad_request;
    return error_response(req, status, e.code(), e.what());
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

nlohmann::json api_router::unit_json(const store::unit_record& u) {
  auto members = nlohmann::json::array();
  for (const auto& m : svc_.accounts.unit_members(u.id)) members.push_back(user_json(m));
  auto values = u.values_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(u.values_json, nullptr, false);
  auto online = nlohmann::json::array();
  std::int64_t last_edit = u.last_edit;
  for (const auto& a : svc_.registry.live())
    if (a->identity().id == u.id) {
      auto s = a->current_summary();
      values = s.values;
      online = s.online;
      last_edit = std::max(last_edit, s.last_edit);
    }
  if (!values.is_object()) values = nlohmann::json::object();
  return {{"id", u.public_id},
          {"title", values.value("title", u.title)},
          {"template", u.template_id},
          {"archived", u.archived},
          {"createdAt", u.created_at},
          {"lastEdit", last_edit},
          {"grade", values.value("grade", "")},
          {"subject", values.value("subject", "")},
          {"phase", values.value("phase", "plan")},
          {"copiedFrom", u.copied_from.empty() ? nlohmann::json() : nlohmann::json(u.copied_from)},
          {"members", std::move(members)},
          {"online", std::move(online)}};
}

response api_router::list_units(const request& req) {
  auto user = authenticate(req);
  if (!user) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto list = nlohmann::json::array();
  for (const auto& u : svc_.accounts.units_for_user(user->id)) list.push_back(unit_json(u));
  return json_response(req, http::status::ok, {{"units", std::move(list)}});
}

std::optional<store::unit_record> api_router::member_unit(const request& req, const std::string& id,
                                                          std::optional<response>& refusal, store::user_record* user_out) {
  auto user = authenticate(req);
  if (!user) {
    refusal = error_response(req, http::status::unauthorized, "signed_out", "please sign in");
    return std::nullopt;
  }
  auto unit = svc_.accounts.unit_by_public_id(id);
  // A unit you are not a member of is reported exactly like one that does not exist.
  if (!unit || !svc_.accounts.is_member(unit->id, user->id)) {
    refusal = error_response(req, http::status::not_found, "unknown_unit", "no such unit");
    return std::nullopt;
  }
  if (user_out) *user_out = *user;
  return unit;
}

response api_router::get_unit(const request& req, const std::string& id) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  return json_response(req, http::status::ok, {{"unit", unit_json(*unit)}});
}

response api_router::list_partnerships(const request& req) {
  auto user = authenticate(req);
  if (!user) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto list = nlohmann::json::array();
  for (const auto& p : svc_.accounts.partnerships_for_user(user->id)) {
    auto members = nlohmann::json::array();
    for (const auto& m : p.members) members.push_back(user_json(m));
    list.push_back({{"id", p.id}, {"name", p.name}, {"members", std::move(members)}});
  }
  return json_response(req, http::status::ok, {{"partnerships", std::move(list)}});
}

namespace {

// A unit title from a request body: 1–200 bytes of text after trimming.
std::optional<std::string> title_of(const nlohmann::json& body, const std::string& fallback) {
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

response api_router::create_unit(const request& req) {
  auto user = authenticate(req);
  if (!user) return error_response(req, http::status::unauthorized, "signed_out", "please sign in");
  auto body = nlohmann::json::parse(req.body());
  if (!body.is_object() || !body.contains("partnership") || !body["partnership"].is_number_integer())
    return error_response(req, http::status::bad_request, "bad_request", "choose a partnership");
  auto partnership = svc_.accounts.partnership(body["partnership"].get<std::int64_t>());
  bool member = partnership && std::any_of(partnership->members.begin(), partnership->members.end(),
                                           [&](const store::user_record& m) { return m.id == user->id; });
  if (!member) return error_response(req, http::status::not_found, "unknown_partnership", "no such partnership");
  auto template_id = body.value("template", std::string("ubd"));
  if (!svc_.registry.templates().find(template_id))
    return error_response(req, http::status::bad_request, "unknown_template", "no such template");
  auto title = title_of(body, "Untitled unit");
  if (!title) return error_response(req, http::status::bad_request, "bad_value", "a title is 1–200 characters");
  std::vector<std::int64_t> members;
  for (const auto& m : partnership->members) members.push_back(m.id);
  auto unit = svc_.registry.create_unit(partnership->id, template_id, *title, user->id, members);
  return json_response(req, http::status::created, {{"unit", unit_json(unit)}});
}

response api_router::duplicate_unit(const request& req, const std::string& id) {
  std::optional<response> refusal;
  store::user_record user;
  auto unit = member_unit(req, id, refusal, &user);
  if (!unit) return *refusal;
  auto body = req.body().empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body());
  std::optional<unit::unit_doc> copy;
  std::string old_title;
  svc_.registry.open(*unit)->run_and_wait([&](const unit::unit_doc& doc) {
    copy.emplace(doc.copy_for_reuse());
    auto it = doc.unit_values().find("title");
    old_title = it != doc.unit_values().end() && it->second.is_string() ? it->second.get<std::string>() : unit->title;
  });
  auto title = title_of(body, old_title + " (next year)");
  if (!title) return error_response(req, http::status::bad_request, "bad_value", "a title is 1–200 characters");
  std::vector<std::int64_t> members;
  for (const auto& m : svc_.accounts.unit_members(unit->id)) members.push_back(m.id);
  auto made = svc_.registry.create_unit(unit->partnership_id, unit->template_id, *title, user.id, members, &*copy, unit->id);
  return json_response(req, http::status::created, {{"unit", unit_json(made)}});
}

response api_router::archive_unit(const request& req, const std::string& id) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  auto body = nlohmann::json::parse(req.body());
  if (!body.is_object() || !body.contains("archived") || !body["archived"].is_boolean())
    return error_response(req, http::status::bad_request, "bad_request", "say archived: true or false");
  svc_.accounts.set_archived(unit->id, body["archived"].get<bool>());
  unit->archived = body["archived"].get<bool>();
  return json_response(req, http::status::ok, {{"unit", unit_json(*unit)}});
}

response api_router::export_markdown(const request& req, const std::string& id) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  auto authority = svc_.registry.open(*unit);
  std::string md;
  authority->run_and_wait([&](const unit::unit_doc& doc) { md = review::unit_markdown::render(doc, authority->members()); });
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/markdown; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"" + unit->public_id + ".md\"");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(md);
  res.prepare_payload();
  return res;
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

response api_router::history(const request& req, const std::string& id, const std::string& rest) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  if (rest.empty()) return json_response(req, http::status::ok, svc_.history.timeline(*unit));
  std::uint64_t op = 0;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), op);
  if (ec != std::errc() || p != rest.data() + rest.size())
    return error_response(req, http::status::bad_request, "bad_request", "history/<op number>");
  return json_response(req, http::status::ok, svc_.history.state_at(*unit, op));
}

response api_router::restore(const request& req, const std::string& id) {
  std::optional<response> refusal;
  store::user_record user;
  auto unit = member_unit(req, id, refusal, &user);
  if (!unit) return *refusal;
  auto body = nlohmann::json::parse(req.body());
  if (!body.is_object() || !body.contains("op") || !body["op"].is_number_unsigned())
    return error_response(req, http::status::bad_request, "bad_request", "say which op to restore from");
  auto op = body["op"].get<std::uint64_t>();
  auto authority = svc_.registry.open(*unit);
  auto author = static_cast<std::uint32_t>(user.id);
  if (body.contains("stream") && body["stream"].is_string()) {
    auto stream = body["stream"].get<std::string>();
    auto past = svc_.history.text_at(*unit, op, stream);
    if (!past) return error_response(req, http::status::bad_request, "unknown_stream", "that field did not exist then");
    auto target = text::utf8_to_utf16(*past);
    // Replace only what differs, so unchanged text keeps its authors.
    auto version = authority->server_edit(
        stream, [&target](const text::text_buffer& now) { return text::change_set::between(now.to_u16(), target); }, author);
    return json_response(req, http::status::ok, {{"restored", stream}, {"version", version}});
  }
  if (body.contains("block") && body["block"].is_string()) {
    unit::command cmd;
    cmd.op = unit::command_op::restore_block;
    cmd.block = body["block"].get<std::string>();
    authority->server_command(cmd, author);
    return json_response(req, http::status::ok, {{"restored", cmd.block}});
  }
  return error_response(req, http::status::bad_request, "bad_request", "say which field (stream) or block to restore");
}

response api_router::contributions(const request& req, const std::string& id) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  auto authority = svc_.registry.open(*unit);
  return json_response(req, http::status::ok,
                       svc_.history.contributions(*unit, authority->members(), svc_.registry.templates().expertise()));
}

response api_router::blame(const request& req, const std::string& id) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  return json_response(req, http::status::ok, svc_.history.blame(*unit));
}

namespace {

std::optional<std::int64_t> number_of(std::string_view s) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || n <= 0) return std::nullopt;
  return n;
}

}  // namespace

response api_router::reflections(const request& req, const std::string& id, const std::string& rest) {
  std::optional<response> refusal;
  store::user_record user;
  auto unit = member_unit(req, id, refusal, &user);
  if (!unit) return *refusal;
  auto me = static_cast<std::uint32_t>(user.id);
  auto& svc = svc_.reflections;
  auto body = [&] { return req.body().empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body()); };
  if (rest.empty()) {
    if (req.method() == http::verb::get) return json_response(req, http::status::ok, svc.list(*unit, me));
    if (req.method() == http::verb::post) {
      auto b = body();
      return json_response(req, http::status::created,
                           {{"reflection", svc.start(*unit, me, b.value("kind", "unit"), b.value("protocol", "what-so-what-now-what"),
                                                     b.value("lesson", ""))}});
    }
  }
  auto slash = rest.find('/');
  auto rid = number_of(std::string_view(rest).substr(0, slash));
  auto verb = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
  if (!rid) return error_response(req, http::status::not_found, "not_found", "no such route");
  if (verb.empty() && req.method() == http::verb::post) {
    auto b = body();
    return json_response(req, http::status::ok,
                         {{"reflection", svc.save(*unit, *rid, me, b.value("answers", nlohmann::json::object()), b.value("facet", nlohmann::json()))}});
  }
  if (verb == "submit" && req.method() == http::verb::post)
    return json_response(req, http::status::ok, {{"reflection", svc.submit(*unit, *rid, me)}});
  if (verb == "agree" && req.method() == http::verb::post) {
    auto b = body();
    if (!b.contains("facet") || !b["facet"].is_string())
      return error_response(req, http::status::bad_request, "bad_request", "say which facet");
    return json_response(req, http::status::ok, {{"reflection", svc.agree(*unit, *rid, me, b["facet"])}});
  }
  return error_response(req, http::status::not_found, "not_found", "no such route");
}

response api_router::action_items(const request& req, const std::string& id, const std::string& rest) {
  std::optional<response> refusal;
  auto unit = member_unit(req, id, refusal);
  if (!unit) return *refusal;
  if (rest.empty() && req.method() == http::verb::get)
    return json_response(req, http::status::ok, svc_.reflections.action_items(*unit));
  auto item = number_of(rest);
  if (item && req.method() == http::verb::post) {
    auto b = nlohmann::json::parse(req.body());
    if (!b.contains("done") || !b["done"].is_boolean())
      return error_response(req, http::status::bad_request, "bad_request", "say done: true or false");
    svc_.reflections.set_action_done(*unit, *item, b["done"]);
    return json_response(req, http::status::ok, svc_.reflections.action_items(*unit));
  }
  return error_response(req, http::status::not_found, "not_found", "no such route");
}

}  // namespace coplan::net
