// ws_session: one browser's WebSocket for one open unit, over plain TCP or TLS (Stream). Reads and parses client messages on the
// connection's strand (so parsing runs in parallel across clients), hands them to the unit's
// authority, and writes what the authority delivers from a bounded outbound queue. A client that
// said so in its hello ("batch": true) gets what has queued up written as one frame holding a JSON
// array of messages (one write instead of one per message when many arrive at once). queue_ and
// every other member are guarded by the connection's strand (ws_'s executor).
#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/services.hpp"
#include "net/stream_types.hpp"
#include "net/token_bucket.hpp"
#include "store/account_store.hpp"
#include "unit/unit_authority.hpp"
#include "unit/unit_subscriber.hpp"

namespace coplan::net {

template <class Stream>
class ws_session : public unit::unit_subscriber, public std::enable_shared_from_this<ws_session<Stream>> {
public:
  ws_session(Stream&& stream, services& svc, std::shared_ptr<unit::unit_authority> unit, store::user_record user,
             std::string session_digest);
  ~ws_session() override;
  void run(boost::beast::http::request<boost::beast::http::string_body> req);

  void deliver(std::shared_ptr<const std::string> message) override;
  void deliver_pair(std::shared_ptr<const std::string> first, std::shared_ptr<const std::string> second) override;
  void close_from_unit(const std::string& code) override;
  // The sign-in session ended (sign-out, expiry, password reset): close with 4001; or the server
  // is shutting down (code "going_away"): close with 1001. Thread-safe.
  void close_signed_out(const std::string& code);

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_message(std::string text);
  // Reads the next message, unless an answer of the session's own waits to be written first
  // (read_after_): on_write reads on once it is.
  void read_next();
  // Queues an answer the session writes itself (an error about the message just read). Behind a
  // write under way, reading waits until it is written: a next frame that fails or closes the
  // connection makes Beast write its close frame at once, which would overtake it.
  void answer(std::shared_ptr<const std::string> message);
  void do_deliver(std::shared_ptr<const std::string> message);
  // Adds a message to the outbound queue; false when it is not queued (closing, or the client was
  // dropped because its queue is full).
  bool enqueue(std::shared_ptr<const std::string> message);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close(boost::beast::websocket::close_reason reason);
  // Closes once what is queued (the error saying why) is written; nothing more is queued or read.
  void close_after_queue(boost::beast::websocket::close_reason reason);
  void finish();

  boost::beast::websocket::stream<Stream> ws_;
  boost::beast::flat_buffer buffer_;
  services& svc_;
  std::shared_ptr<unit::unit_authority> unit_;
  store::user_record user_;
  std::string session_digest_;
  std::uint64_t tracking_ = 0;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool batch_ = false;                                // the client reads arrays of messages
  std::size_t in_flight_ = 0;                         // queued messages in the frame being written
  std::size_t read_after_ = 0;                        // queued messages to write before reading on (0: none)
  std::vector<boost::asio::const_buffer> frame_;      // the batched frame: "[", m1, ",", m2, …, "]"
  std::optional<boost::beast::websocket::close_reason> closing_;  // set by close_after_queue
  bool joined_ = false;
  bool finished_ = false;
  bool counted_ = false;  // registered with svc_.per_user
  token_bucket budget_;   // this connection's messages
};

extern template class ws_session<plain_stream>;
extern template class ws_session<tls_stream>;

}  // namespace coplan::net
