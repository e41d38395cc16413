// Blocking HTTP client for the JSON API (see http_client.hpp).
#include "client/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

namespace coplan::client {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

http_reply http_call(const std::string& host, unsigned short port, http::verb verb, const std::string& target,
                     const std::string& body, const std::string& cookie, const std::string& origin,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(boost::asio::ip::make_address(host), port));
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, host + ":" + std::to_string(port));
  if (!cookie.empty()) req.set(http::field::cookie, cookie);
  if (!origin.empty()) req.set(http::field::origin, origin);
  for (const auto& [name, value] : headers) req.insert(name, value);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  http_reply out;
  out.status = res.result_int();
  out.body = nlohmann::json::parse(res.body(), nullptr, false);
  out.text = std::move(res.body());
  out.set_cookie = std::string(res[http::field::set_cookie]);
  return out;
}

std::string sign_in(const std::string& host, unsigned short port, const std::string& user, const std::string& password) {
  auto r = http_call(host, port, http::verb::post, "/api/signin",
                     nlohmann::json{{"username", user}, {"password", password}}.dump());
  if (r.status != 200) throw std::runtime_error("sign-in refused for " + user);
  return r.set_cookie.substr(0, r.set_cookie.find(';'));
}

}  // namespace coplan::client
