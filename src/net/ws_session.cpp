// WebSocket session for one client of one unit (see ws_session.hpp).
#include "net/ws_session.hpp"

#include "log/event_log.hpp"
#include "text/coded_error.hpp"
#include "unit/wire.hpp"

namespace coplan::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

template <class Stream>
ws_session<Stream>::ws_session(Stream&& stream, services& svc, std::shared_ptr<unit::unit_authority> unit,
                               store::user_record user, std::string session_digest)
    : ws_(std::move(stream)), svc_(svc), unit_(std::move(unit)), user_(std::move(user)),
      session_digest_(std::move(session_digest)),
      budget_(svc.config.messages_per_second, svc.config.message_burst) {
  ++svc_.live_sockets;
}

template <class Stream>
ws_session<Stream>::~ws_session() {
  --svc_.live_sockets;
}

template <class Stream>
void ws_session<Stream>::run(beast::http::request<beast::http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();
  // Slow or silent peers: the upgrade must finish in time, and a connection from which nothing is
  // heard for the idle timeout is closed (Beast pings it at half the timeout first).
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = svc_.config.ws_handshake_timeout;
  timeouts.idle_timeout = svc_.config.ws_idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "coplan");
  }));
  ws_.read_message_max(svc_.config.max_message_bytes);
  ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, this->shared_from_this()));
}

template <class Stream>
void ws_session<Stream>::on_accept(beast::error_code ec) {
  if (ec) return finish();
  if (!svc_.per_user.open_socket(user_.id)) {
    ++svc_.metrics.too_many_connections;
    log::event_log::write("warn", "too_many_connections", {{"user", user_.id}});
    finished_ = true;
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "too_many_connections"),
                    [self = this->shared_from_this()](beast::error_code) {});
    return;
  }
  counted_ = true;
  ++svc_.metrics.ws_opened;
  // Closed when the sign-in session behind it ends.
  tracking_ = svc_.sessions.track(session_digest_, user_.id, user_.session_expires,
                                  [weak = this->weak_from_this()](const std::string& code) {
                                    if (auto self = weak.lock()) self->close_signed_out(code);
                                  });
  do_read();
}

template <class Stream>
void ws_session<Stream>::close_signed_out(const std::string& code) {
  boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), code] {
    auto close_code = code == "going_away" ? websocket::close_code::going_away : static_cast<websocket::close_code>(4001);
    self->do_close(websocket::close_reason(close_code, code));
  });
}

template <class Stream>
void ws_session<Stream>::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, this->shared_from_this()));
}

template <class Stream>
void ws_session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Includes message_too_big (Beast closes with 1009) and bad UTF-8 in a text frame (1007).
    return finish();
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    answer(unit::wire::error("bad_message", "send JSON text frames"));
    if (!finished_) read_next();
    return;
  }
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (closing_) return;  // refused for good: what it sends now is not read
  on_message(std::move(text));
  if (!finished_) read_next();
}

template <class Stream>
void ws_session<Stream>::read_next() {
  if (read_after_ == 0) do_read();
}

template <class Stream>
void ws_session<Stream>::answer(std::shared_ptr<const std::string> message) {
  if (!enqueue(std::move(message))) return;
  // Idle: written at once, and Beast holds back a close frame until this write is done.
  if (!writing_) return do_write();
  read_after_ = queue_.size();
}

template <class Stream>
void ws_session<Stream>::on_message(std::string text) {
  // The one boundary where a client message's validation errors become an error reply.
  try {
    auto msg = unit::parse_client_message(text, svc_.registry.limits());
    auto author = static_cast<std::uint32_t>(user_.id);
    if (auto* hello = std::get_if<unit::hello_msg>(&msg)) {
      if (joined_) throw coded_error("bad_message", "hello was already sent");
      joined_ = true;
      batch_ = hello->batch;
      unit_->join(this->shared_from_this(), author, std::move(*hello));
      return;
    }
    if (!joined_) throw coded_error("hello_first", "send hello before anything else");
    auto now = token_bucket::clock::now();
    if (!budget_.take(now) || !svc_.per_user.take_message(user_.id, now)) {
      // Refused unapplied; the reference lets the client send it again later.
      if (svc_.metrics.rate_limited++ % 1000 == 0) log::event_log::write("warn", "rate_limited", {{"user", user_.id}});
      nlohmann::json ref = nullptr;
      if (auto* p = std::get_if<unit::push_msg>(&msg)) ref = {{"stream", p->stream}};
      if (auto* c = std::get_if<unit::command_msg>(&msg)) ref = {{"clientID", c->client_id}, {"seq", c->seq}};
      answer(unit::wire::error("rate_limited", "too many messages; this one was not applied, send it again in a moment", ref));
      return;
    }
    unit_->handle(this->shared_from_this(), author, std::move(msg));
  } catch (const coded_error& e) {
    ++svc_.metrics.bad_messages;
    answer(unit::wire::error(e.code(), e.what()));
  } catch (const std::exception&) {
    ++svc_.metrics.bad_messages;
    answer(unit::wire::error("bad_message", "message has the wrong shape"));
  }
}

template <class Stream>
void ws_session<Stream>::deliver(std::shared_ptr<const std::string> message) {
  boost::asio::post(ws_.get_executor(),
                    [self = this->shared_from_this(), m = std::move(message)]() mutable { self->do_deliver(std::move(m)); });
}

template <class Stream>
void ws_session<Stream>::deliver_pair(std::shared_ptr<const std::string> first, std::shared_ptr<const std::string> second) {
  boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), a = std::move(first), b = std::move(second)]() mutable {
    if (self->enqueue(std::move(a)) && self->enqueue(std::move(b)) && !self->writing_) self->do_write();
  });
}

template <class Stream>
void ws_session<Stream>::do_deliver(std::shared_ptr<const std::string> message) {
  // Written at once when the socket is idle (waiting to gather more would add latency behind every
  // other handler queued on a busy io thread); what arrives while a write is under way goes out
  // together in the next frame when the client reads batches.
  if (enqueue(std::move(message)) && !writing_) do_write();
}

template <class Stream>
bool ws_session<Stream>::enqueue(std::shared_ptr<const std::string> message) {
  if (finished_ || closing_) return false;
  if (queue_.size() >= svc_.config.max_queue_messages ||
      queued_bytes_ + message->size() > svc_.config.max_queue_bytes) {
    // A client that does not read is dropped rather than buffered without bound.
    ++svc_.metrics.queue_drops;
    log::event_log::write("warn", "queue_full", {{"user", user_.id}, {"messages", queue_.size()}, {"bytes", queued_bytes_}});
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    finish();
    return false;
  }
  queued_bytes_ += message->size();
  queue_.push_back(std::move(message));
  return true;
}

template <class Stream>
void ws_session<Stream>::do_write() {
  writing_ = true;
  ws_.text(true);
  auto done = beast::bind_front_handler(&ws_session::on_write, this->shared_from_this());
  if (!batch_ || queue_.size() == 1) {
    in_flight_ = 1;
    return ws_.async_write(boost::asio::buffer(*queue_.front()), std::move(done));
  }
  static constexpr char open[] = "[", comma[] = ",", close[] = "]";
  frame_.clear();
  frame_.emplace_back(open, 1);
  std::size_t bytes = 0;
  in_flight_ = 0;
  for (const auto& m : queue_) {
    if (in_flight_ && (in_flight_ >= svc_.config.max_batch_messages || bytes + m->size() > svc_.config.max_batch_bytes)) break;
    if (in_flight_) frame_.emplace_back(comma, 1);
    frame_.emplace_back(m->data(), m->size());
    bytes += m->size();
    ++in_flight_;
  }
  frame_.emplace_back(close, 1);
  ws_.async_write(frame_, std::move(done));
}

template <class Stream>
void ws_session<Stream>::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (finished_) return;
  if (ec) return finish();
  const bool waiting_to_read = read_after_ > 0;
  read_after_ -= std::min(read_after_, in_flight_);
  for (; in_flight_ > 0; --in_flight_) {
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
  }
  if (waiting_to_read && read_after_ == 0 && !closing_) do_read();
  if (!queue_.empty() && !finished_) do_write();
  else if (queue_.empty() && closing_) do_close(*closing_);
}

template <class Stream>
void ws_session<Stream>::close_from_unit(const std::string& code) {
  boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), code] {
    // No longer a member: 4003, after the error that says so; the client should not come back.
    if (code == "not_a_member") return self->close_after_queue(websocket::close_reason(static_cast<websocket::close_code>(4003), code));
    self->do_close(websocket::close_reason(websocket::close_code::try_again_later, code));
  });
}

template <class Stream>
void ws_session<Stream>::close_after_queue(websocket::close_reason reason) {
  if (finished_ || closing_) return;
  if (queue_.empty() && !writing_) return do_close(reason);
  closing_ = std::move(reason);
}

template <class Stream>
void ws_session<Stream>::do_close(websocket::close_reason reason) {
  if (finished_) return;
  finish();
  ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code) {});
}

template <class Stream>
void ws_session<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  if (tracking_) svc_.sessions.forget(tracking_);
  if (counted_) svc_.per_user.close_socket(user_.id);
  // A write still under way reads the messages it was given until its handler runs (Beast may
  // finish it after a failed read, before the close): those stay; the rest are dropped.
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(writing_ ? in_flight_ : 0), queue_.end());
  queued_bytes_ = 0;
  if (joined_) unit_->leave(this);
}

template class ws_session<plain_stream>;
template class ws_session<tls_stream>;

}  // namespace coplan::net
