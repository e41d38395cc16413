// Blocking WebSocket client for the unit protocol (see ws_client.hpp).
#include "client/ws_client.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace coplan::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

bool ws_client::connect(const std::string& host, unsigned short port, const std::string& target,
                        const std::string& cookie, const std::string& origin, unsigned* status) {
  ws_.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address(host), port));
  beast::error_code ignored;
  ws_.next_layer().socket().set_option(tcp::no_delay(true), ignored);
  ws_.set_option(websocket::stream_base::decorator([cookie, origin](websocket::request_type& req) {
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (!origin.empty()) req.set(http::field::origin, origin);
  }));
  ws_.read_message_max(256 << 20);
  websocket::response_type res;
  beast::error_code ec;
  ws_.handshake(res, host + ":" + std::to_string(port), target, ec);
  if (status) *status = res.result_int();
  return !ec;
}

void ws_client::send(const std::string& text) {
  ws_.text(true);
  ws_.write(boost::asio::buffer(text));
}

void ws_client::send_binary(const std::string& bytes) {
  ws_.binary(true);
  ws_.write(boost::asio::buffer(bytes));
  ws_.text(true);
}

std::optional<std::string> ws_client::recv_raw(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  beast::flat_buffer buf;
  beast::error_code ec;
  bool done = false;
  ws_.async_read(buf, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  ioc_.restart();
  ioc_.run_for(timeout);
  if (!done) {
    closed_ = true;
    beast::get_lowest_layer(ws_).close();
    ioc_.restart();
    ioc_.run_for(std::chrono::milliseconds(100));
    return std::nullopt;
  }
  if (ec) {
    closed_ = true;
    close_code_ = ws_.reason().code;
    return std::nullopt;
  }
  return beast::buffers_to_string(buf.data());
}

std::optional<nlohmann::json> ws_client::recv(std::chrono::milliseconds timeout) {
  auto raw = recv_raw(timeout);
  if (!raw) return std::nullopt;
  return nlohmann::json::parse(*raw);
}

nlohmann::json ws_client::expect(const std::string& type, std::chrono::milliseconds timeout) {
  for (auto it = backlog_.begin(); it != backlog_.end(); ++it)
    if ((*it)["type"] == type) {
      auto m = *it;
      backlog_.erase(it);
      return m;
    }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = recv(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!m) break;
    if ((*m)["type"] == type) return *m;
    if ((*m)["type"] == "error" && type != "error")
      throw std::runtime_error("unexpected error while waiting for " + type + ": " + m->dump());
    if ((*m)["type"] != "online" && (*m)["type"] != "presence") backlog_.push_back(*m);
  }
  throw std::runtime_error("no " + type + " message arrived");
}

std::uint16_t ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && std::chrono::steady_clock::now() < deadline)
    recv(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  return close_code_;
}

nlohmann::json ws_client::hello(const std::string& client_id, nlohmann::json streams) {
  send(nlohmann::json{{"type", "hello"}, {"clientID", client_id}, {"streams", streams}});
  return expect("welcome");
}

void ws_client::close() {
  if (closed_) return;
  beast::error_code ec;
  ws_.close(websocket::close_code::normal, ec);
  closed_ = true;
}

}  // namespace coplan::client
