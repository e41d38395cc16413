// http_session: one HTTP connection, over plain TCP or TLS (the Stream parameter). Reads requests
// with a body limit and a timeout, serves the web client's files, runs API requests on the
// blocking-work pool, and hands a checked WebSocket upgrade (session cookie, Origin, membership)
// over to a ws_session on the same stream. All members are used on the connection's strand
// (stream_'s executor) only.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/services.hpp"
#include "net/static_files.hpp"
#include "net/stream_types.hpp"

namespace coplan::net {

template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
public:
  // `tls` is used (and required) when Stream is tls_stream: the handshake then runs first.
  http_session(tcp_socket&& socket, boost::asio::ssl::context* tls, services& svc,
               const static_files& files);
  void run();

private:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  void on_handshake(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_api(request req);
  void do_upgrade(request req);
  void do_write(boost::beast::http::message_generator msg);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  services& svc_;
  const static_files& files_;
  std::string peer_;
  std::shared_ptr<void> address_slot_;  // this connection's place in svc_.per_address
};

extern template class http_session<plain_stream>;
extern template class http_session<tls_stream>;

}  // namespace coplan::net
