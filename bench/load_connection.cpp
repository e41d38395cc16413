// The load generator's WebSocket plumbing (see load_connection.hpp).
#include "load_connection.hpp"

namespace coplan::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

load_connection::load_connection(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, std::string target,
                                 std::string cookie, load_events* events)
    : ws_(ioc.get_executor()), endpoint_(endpoint), target_(std::move(target)), cookie_(std::move(cookie)), events_(events) {}

void load_connection::start() { do_connect(); }

void load_connection::do_connect() {
  beast::get_lowest_layer(ws_).async_connect(endpoint_, [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
}

void load_connection::on_connect(beast::error_code ec) {
  if (ec) return fail("connect", ec);
  beast::get_lowest_layer(ws_).socket().set_option(boost::asio::ip::tcp::no_delay(true));
  std::string cookie = cookie_;
  ws_.set_option(websocket::stream_base::decorator([cookie](websocket::request_type& req) {
    if (!cookie.empty()) req.set(beast::http::field::cookie, cookie);
  }));
  ws_.async_handshake("127.0.0.1", target_, [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
}

void load_connection::on_handshake(beast::error_code ec) {
  if (ec) return fail("handshake", ec);
  open_ = true;
  on_open();
  do_read();
}

void load_connection::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void load_connection::on_read(beast::error_code ec, std::size_t) {
  if (ec) return fail("read", ec);
  auto data = buffer_.cdata();
  on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  do_read();
}

void load_connection::send(std::string message) {
  if (!open_ || closing_) return;
  queue_.push_back(std::move(message));
  if (queue_.size() == 1) do_write();
}

void load_connection::do_write() {
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void load_connection::on_write(beast::error_code ec, std::size_t) {
  if (ec) return fail("write", ec);
  queue_.pop_front();
  if (!queue_.empty()) do_write();
}

void load_connection::mark_ready() {
  if (ready_) return;
  ready_ = true;
  if (events_->ready) events_->ready(*this);
}

void load_connection::close() {
  if (closing_) return;
  closing_ = true;
  if (!open_) return;
  // Closing while a write is queued is fine: the close frame waits for it inside Beast.
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
}

void load_connection::fail(std::string_view what, beast::error_code ec) {
  open_ = false;
  if (closing_ || ec == websocket::error::closed || ec == boost::asio::error::operation_aborted) return;
  if (events_->failed) events_->failed(*this, std::string(what) + ": " + ec.message());
}

std::string load_connection::token_text(std::uint64_t token) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s(7, '0');
  s[0] = '#';
  for (int i = 6; i >= 1; --i, token /= 36) s[static_cast<std::size_t>(i)] = digits[token % 36];
  return s;
}

void load_connection::find_tokens(std::string_view text, const std::function<void(std::uint64_t)>& found) {
  for (auto at = text.find('#'); at != std::string_view::npos && at + 7 <= text.size(); at = text.find('#', at + 1)) {
    std::uint64_t value = 0;
    bool ok = true;
    for (std::size_t i = 1; i <= 6 && ok; ++i) {
      char c = text[at + i];
      if (c >= '0' && c <= '9') value = value * 36 + static_cast<std::uint64_t>(c - '0');
      else if (c >= 'a' && c <= 'z') value = value * 36 + static_cast<std::uint64_t>(c - 'a' + 10);
      else ok = false;
    }
    if (ok) found(value), at += 6;
  }
}

}  // namespace coplan::bench
