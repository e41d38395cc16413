// api_router: the JSON HTTP API (/api/...): sign-in, sign-out, the signed-in user, their units,
// templates. Runs on a blocking-work thread (it reads SQLite and verifies passwords); returns a
// complete response. Errors are {"error":{"code","message"}} with a fitting status.
#pragma once
#include <optional>
#include <string>

#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include "net/services.hpp"
#include "store/account_store.hpp"

namespace coplan::net {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

class api_router {
public:
  explicit api_router(services& svc) : svc_(svc) {}

  response handle(const request& req, const std::string& peer);
  // The user whose session cookie `req` carries, if the session is valid.
  std::optional<store::user_record> authenticate(const request& req);
  // True when the request's Origin header (if any) is this server or an allowed origin.
  bool origin_allowed(const request& req) const;

private:
  response sign_in(const request& req);
  response sign_out(const request& req);
  response me(const request& req);
  response list_units(const request& req);
  response get_unit(const request& req, const std::string& id);
  response list_partnerships(const request& req);
  response create_unit(const request& req);
  response duplicate_unit(const request& req, const std::string& id);
  response archive_unit(const request& req, const std::string& id);
  response export_markdown(const request& req, const std::string& id);
  response history(const request& req, const std::string& id, const std::string& rest);
  response restore(const request& req, const std::string& id);
  response contributions(const request& req, const std::string& id);
  response blame(const request& req, const std::string& id);
  response reflections(const request& req, const std::string& id, const std::string& rest);
  response action_items(const request& req, const std::string& id, const std::string& rest);
  // The unit `id` when the signed-in user is a member (else a 401/404 response in `refusal`).
  std::optional<store::unit_record> member_unit(const request& req, const std::string& id, std::optional<response>& refusal,
                                                store::user_record* user_out = nullptr);
  nlohmann::json unit_json(const store::unit_record& u);
  response list_templates(const request& req);
  response get_template(const request& req, const std::string& id);

  services& svc_;
};

response json_response(const request& req, http::status status, const nlohmann::json& body);
response error_response(const request& req, http::status status, const std::string& code, const std::string& message);

}  // namespace coplan::net
