// listener: accepts TCP connections and gives each its own strand and http_session (TLS when a
// TLS context is given).
#pragma once
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>

#include "net/services.hpp"
#include "net/static_files.hpp"
#include "net/stream_types.hpp"

namespace coplan::net {

class listener : public std::enable_shared_from_this<listener> {
public:
  // Binds at once; throws boost::system::system_error when the address is taken.
  listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, services& svc,
           const static_files& files, boost::asio::ssl::context* tls = nullptr);
  void run();
  void stop();
  unsigned short port() const { return port_; }

private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, tcp_socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;  // used on acceptor_'s strand only
  services& svc_;
  const static_files& files_;
  boost::asio::ssl::context* tls_;
  unsigned short port_ = 0;
};

}  // namespace coplan::net
