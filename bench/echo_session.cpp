// The echo floor's connection (see echo_session.hpp).
#include "echo_session.hpp"

namespace coplan::bench {

namespace beast = boost::beast;

void echo_session::start() {
  ws_.async_accept([self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void echo_session::on_accept(beast::error_code ec) {
  if (ec) return;
  beast::get_lowest_layer(ws_).socket().set_option(boost::asio::ip::tcp::no_delay(true));
  do_read();
}

void echo_session::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void echo_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) return;
  queue_.push_back(beast::buffers_to_string(buffer_.cdata()));
  buffer_.consume(buffer_.size());
  if (queue_.size() == 1) do_write();
  do_read();
}

void echo_session::do_write() {
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void echo_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) return;
  queue_.pop_front();
  if (!queue_.empty()) do_write();
}

}  // namespace coplan::bench
