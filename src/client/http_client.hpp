// http_client: a small blocking HTTP/1.1 client (Boost.Beast) for Coplan's JSON API, used by the
// benchmarks and the tests: one request per connection, JSON bodies, the session cookie.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace coplan::client {

namespace http = boost::beast::http;

struct http_reply {
  unsigned status = 0;
  nlohmann::json body;  // the body parsed as JSON (discarded when it is not JSON)
  std::string text;     // the body as received
  std::string set_cookie;
};

http_reply http_call(const std::string& host, unsigned short port, http::verb verb, const std::string& target,
                     const std::string& body = "", const std::string& cookie = "", const std::string& origin = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

// Signs in and returns the "coplan_session=..." cookie. Throws when refused.
std::string sign_in(const std::string& host, unsigned short port, const std::string& user, const std::string& password);

}  // namespace coplan::client
