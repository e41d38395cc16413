// api_router: the JSON HTTP API (/api/...). Every route is one row of routes(): method, path
// pattern, who may call it, handler. The dispatcher checks the access level before any handler
// runs (signed in; member of the unit in {id}; administrator), so a route cannot skip the check,
// and the authorization-matrix test walks the same table. Runs on a blocking-work thread (SQLite,
// argon2id); returns a complete response. Errors are {"error":{"code","message"}}.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "net/services.hpp"
#include "store/account_store.hpp"

namespace coplan::net {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

enum class access { anyone, signed_in, member, coordinator, admin };

class api_router;

// What a handler gets: the request, the caller (when signed in), the unit (for member routes)
// and the pattern's parameters.
struct route_context {
  const request& req;
  std::string peer;
  std::optional<store::user_record> user;
  std::optional<store::unit_record> unit;
  std::map<std::string, std::string> params;
};

struct api_route {
  http::verb method;
  std::string_view pattern;  // e.g. "/api/units/{id}/history/{op}"
  access need;
  response (api_router::*handler)(route_context&);
  std::string_view example_body;  // a valid body, for the authorization-matrix test
};

class api_router {
public:
  explicit api_router(services& svc) : svc_(svc) {}

  // The one table of every HTTP route.
  static const std::vector<api_route>& routes();

  response handle(const request& req, const std::string& peer);
  // The client's address: `peer`, or behind a trusted proxy the last X-Forwarded-For entry.
  std::string client_address(const request& req, const std::string& peer) const;
  // Whether the client reached us over HTTPS (our own TLS, or a trusted proxy's).
  bool secure_request(const request& req) const;
  // The user whose session cookie `req` carries, if the session is valid.
  std::optional<store::user_record> authenticate(const request& req);
  // True when the request's Origin header (if any) is this server or an allowed origin, and the
  // browser does not label it cross-site.
  bool origin_allowed(const request& req) const;

private:
  // Accounts and sessions.
  response healthz(route_context& c);
  response metrics(route_context& c);
  response sign_in(route_context& c);
  response sign_out(route_context& c);
  response me(route_context& c);
  response change_password(route_context& c);
  // Units.
  response list_units(route_context& c);
  response create_unit(route_context& c);
  response list_partnerships(route_context& c);
  response list_templates(route_context& c);
  response get_template(route_context& c);
  response get_unit(route_context& c);
  response duplicate_unit(route_context& c);
  response archive_unit(route_context& c);
  response export_markdown(route_context& c);
  response record_print(route_context& c);
  // Invitations.
  response create_invitation(route_context& c);
  response peek_invitation(route_context& c);
  response accept_invitation(route_context& c);
  // The record.
  response history(route_context& c);
  response history_at(route_context& c);
  response restore(route_context& c);
  response contributions(route_context& c);
  response blame(route_context& c);
  // Reflection.
  response list_reflections(route_context& c);
  response start_reflection(route_context& c);
  response change_reflection_protocol(route_context& c);
  response save_reflection(route_context& c);
  response submit_reflection(route_context& c);
  response agree_reflection(route_context& c);
  response list_action_items(route_context& c);
  response set_action_item(route_context& c);
  // Collaboration log, reports and the coordinator's counts.
  response collaboration_log(route_context& c);
  response collaboration_log_csv(route_context& c);
  response annual_report(route_context& c);
  response coordinator_summary(route_context& c);
  // Student notes (members only; never in a report or export).
  response list_student_notes(route_context& c);
  response set_student_notes(route_context& c);
  response add_student_note(route_context& c);
  response delete_student_note(route_context& c);
  response delete_student_notes(route_context& c);
  // Administration.
  response admin_users(route_context& c);
  response admin_create_user(route_context& c);
  response admin_update_user(route_context& c);
  response admin_partnerships(route_context& c);
  response admin_create_partnership(route_context& c);
  response admin_schools(route_context& c);
  response admin_create_school(route_context& c);
  response admin_audit(route_context& c);

  void audit(const route_context& c, const std::string& action, const nlohmann::json& detail = nlohmann::json::object(),
             const store::user_record* who = nullptr);
  // Wrong-password limits, shared by sign-in and password change so that guesses through either
  // count together: one key for the account (its name, lower-cased) in svc_.account_limiter and
  // one for the caller's address in svc_.address_limiter.
  struct guess_keys {
    std::string account, address;
  };
  static guess_keys guess_keys_of(const route_context& c, const std::string& username);
  bool guesses_blocked(const guess_keys& k);  // true: answer too_many_guesses, check no hash
  void guess_failed(const guess_keys& k);
  response too_many_guesses(const route_context& c);
  nlohmann::json unit_json(const store::unit_record& u);
  response start_session(const route_context& c, const store::user_record& user, nlohmann::json body);

  services& svc_;
};

// A response that is not cached; `download_name` set: the browser saves it as that file.
response text_response(const request& req, http::status status, const char* content_type, std::string body,
                       const std::string& download_name = "");
response json_response(const request& req, http::status status, const nlohmann::json& body);
response error_response(const request& req, http::status status, const std::string& code, const std::string& message);

}  // namespace coplan::net
