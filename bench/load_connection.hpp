// load_connection: one asynchronous WebSocket client of the C++ load generator (Boost.Beast):
// connect, upgrade, read loop, outbound queue. Subclasses speak one server's protocol (Coplan,
// ShareDB, the echo floor) behind the same small interface: type a token at the start of the
// shared text; report text that other clients inserted and own edits the server acknowledged.
// Every connection of a generator runs on one io_context driven by one thread (pinned to its own
// core), so nothing here is shared across threads and no strand is needed.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace coplan::bench {

class load_connection;

// What the workload wants to hear about. Tokens are numbered; see token_text().
struct load_events {
  std::function<void(load_connection&)> ready;                          // subscribed, can edit
  std::function<void(load_connection&, std::string_view)> remote_text;  // text another client inserted
  std::function<void(load_connection&, std::uint64_t token)> acked;     // own edit accepted
  std::function<void(load_connection&, std::string_view)> failed;       // error message or lost socket
};

class load_connection : public std::enable_shared_from_this<load_connection> {
public:
  load_connection(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, std::string target,
                  std::string cookie, load_events* events);
  virtual ~load_connection() = default;
  load_connection(const load_connection&) = delete;
  load_connection& operator=(const load_connection&) = delete;

  void start();
  void close();
  // Types `token_text(token)` at the start of the shared text.
  virtual void insert_token(std::uint64_t token) = 0;
  // The client's copy of the text, when its protocol keeps one (for the convergence check).
  virtual std::optional<std::string> text() const { return std::nullopt; }
  bool is_ready() const { return ready_; }
  std::size_t index = 0;  // the workload's number for this client

  // "#" and six base-36 digits; find_tokens() reads them back out of any text.
  static std::string token_text(std::uint64_t token);
  static void find_tokens(std::string_view text, const std::function<void(std::uint64_t)>& found);

protected:
  virtual void on_open() = 0;
  virtual void on_message(std::string_view message) = 0;
  void send(std::string message);
  void mark_ready();
  load_events& events() { return *events_; }

private:
  void do_connect();
  void on_connect(boost::beast::error_code ec);
  void on_handshake(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void fail(std::string_view what, boost::beast::error_code ec);

  // The io_context's executor by name: the generator runs one thread, and a type-erased executor in
  // every handler would cost it CPU it needs to keep its schedule.
  boost::beast::websocket::stream<boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type>> ws_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string target_;
  std::string cookie_;
  load_events* events_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool open_ = false;
  bool closing_ = false;
  bool ready_ = false;
};

}  // namespace coplan::bench
