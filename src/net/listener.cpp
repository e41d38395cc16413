// Accept loop (see listener.hpp).
#include "net/listener.hpp"

#include <boost/asio/strand.hpp>

#include "net/http_session.hpp"

namespace coplan::net {

listener::listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, services& svc,
                   const static_files& files, boost::asio::ssl::context* tls)
    : ioc_(ioc), acceptor_(boost::asio::make_strand(ioc)), svc_(svc), files_(files), tls_(tls) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void listener::run() { do_accept(); }

void listener::stop() {
  boost::asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::beast::error_code ec;
    self->acceptor_.close(ec);
  });
}

void listener::do_accept() {
  acceptor_.async_accept(boost::asio::make_strand(ioc_),
                         boost::beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(boost::beast::error_code ec, tcp_socket socket) {
  if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    boost::beast::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    if (tls_) std::make_shared<http_session<tls_stream>>(std::move(socket), tls_, svc_, files_)->run();
    else std::make_shared<http_session<plain_stream>>(std::move(socket), nullptr, svc_, files_)->run();
  }
  do_accept();
}

}  // namespace coplan::net
