// echo_session: one connection of the bare Beast echo server (`coplan-bench echo-server`), the
// floor every load figure is read against: accept the upgrade, send back every message, with the
// same one-thread io_context and queued writes a real server would use, and no application logic.
#pragma once
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace coplan::bench {

class echo_session : public std::enable_shared_from_this<echo_session> {
public:
  // The io_context's own executor by name (one thread, no strand), as the server's sessions name
  // theirs: no type-erased executor in the floor's handlers either.
  using executor_type = boost::asio::io_context::executor_type;
  using socket_type = boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor_type>;

  explicit echo_session(socket_type socket) : ws_(std::move(socket)) {}
  void start();

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);

  boost::beast::websocket::stream<boost::beast::basic_stream<boost::asio::ip::tcp, executor_type>> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
};

}  // namespace coplan::bench
