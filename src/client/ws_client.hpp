// ws_client: a small blocking WebSocket client (Boost.Beast) speaking Coplan's unit protocol, with
// timeouts, used by the benchmarks and the tests. Not thread-safe: one thread per client.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace coplan::client {

class ws_client {
public:
  // Connects and upgrades; `status` receives the HTTP status when the upgrade is refused.
  bool connect(const std::string& host, unsigned short port, const std::string& target, const std::string& cookie,
               const std::string& origin = "", unsigned* status = nullptr);

  void send(const std::string& text);
  void send(const nlohmann::json& j) { send(j.dump()); }
  void send_binary(const std::string& bytes);

  // The next message, or nothing on timeout or close (then close_code() tells why).
  std::optional<std::string> recv_raw(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<nlohmann::json> recv(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // The first message of `type`, from those already read or arriving next. Other messages stay
  // queued for later expect() calls; presence and online notices are dropped. Throws on timeout
  // and when an error message arrives while waiting for something else.
  nlohmann::json expect(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the server closes the connection; returns the close code.
  std::uint16_t wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  nlohmann::json hello(const std::string& client_id, nlohmann::json streams = nlohmann::json::object());
  void close();

  bool closed() const { return closed_; }
  std::uint16_t close_code() const { return close_code_; }

private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_{ioc_};
  bool closed_ = false;
  std::uint16_t close_code_ = 0;
  std::deque<nlohmann::json> backlog_;
};

}  // namespace coplan::client
