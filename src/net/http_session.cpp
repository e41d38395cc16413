// HTTP connection handling and WebSocket upgrade, for plain TCP and TLS (see http_session.hpp).
#include "net/http_session.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "auth/session_cookie.hpp"
#include "auth/tokens.hpp"
#include "log/event_log.hpp"
#include "net/api_router.hpp"
#include "net/ws_session.hpp"

namespace coplan::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {
std::string peer_of(const tcp_socket& s) {
  beast::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}
}  // namespace

template <class Stream>
Stream make_stream(tcp_socket&& socket, boost::asio::ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, tls_stream>) return Stream(std::move(socket), *tls);
  else return Stream(std::move(socket));
}

template <class Stream>
http_session<Stream>::http_session(tcp_socket&& socket, boost::asio::ssl::context* tls, services& svc,
                                   const static_files& files)
    : stream_(make_stream<Stream>(std::move(socket), tls)), svc_(svc), files_(files) {
  peer_ = peer_of(beast::get_lowest_layer(stream_).socket());
}

template <class Stream>
void http_session<Stream>::run() {
  auto self = this->shared_from_this();
  address_slot_ = svc_.per_address.acquire(peer_);
  if (!address_slot_) {
    // Too many connections from this address already: closed before anything is read.
    if (svc_.metrics.address_refused++ % 1000 == 0)
      log::event_log::write("warn", "too_many_connections_from_address", {{"address", peer_}});
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
    return;
  }
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    boost::asio::dispatch(stream_.get_executor(), [self] {
      beast::get_lowest_layer(self->stream_).expires_after(self->svc_.config.http_timeout);
      self->stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                    beast::bind_front_handler(&http_session::on_handshake, self));
    });
  } else {
    boost::asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, self));
  }
}

template <class Stream>
void http_session<Stream>::on_handshake(beast::error_code ec) {
  if (ec) return;  // not TLS, or a broken client: the connection just closes
  do_read();
}

template <class Stream>
void http_session<Stream>::do_read() {
  parser_.emplace();
  parser_->body_limit(svc_.config.max_http_body_bytes);
  parser_->header_limit(16 * 1024);
  beast::get_lowest_layer(stream_).expires_after(svc_.config.http_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return do_close();
  if (ec == http::error::body_limit) {
    http::response<http::string_body> res{http::status::payload_too_large, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = R"({"error":{"code":"too_large","message":"request body too large"}})";
    res.keep_alive(false);
    res.prepare_payload();
    return do_write(http::message_generator(std::move(res)));
  }
  if (ec) return;  // timeout or reset: the stream closes with this session
  auto req = parser_->release();
  std::string_view target = req.target();
  if (websocket::is_upgrade(req)) return do_upgrade(std::move(req));
  if (target.substr(0, 5) == "/api/" || target == "/healthz" || target == "/metrics") return do_api(std::move(req));
  do_write(files_.serve(req));
}

template <class Stream>
void http_session<Stream>::do_api(request req) {
  beast::get_lowest_layer(stream_).expires_never();
  boost::asio::post(svc_.blocking, [self = this->shared_from_this(), req = std::move(req)]() mutable {
    api_router router(self->svc_);
    response res;
    try {
      res = router.handle(req, self->peer_);
    } catch (const std::exception&) {
      res = error_response(req, http::status::internal_server_error, "internal", "the server could not do that");
    }
    boost::asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
      self->do_write(http::message_generator(std::move(res)));
    });
  });
}

template <class Stream>
void http_session<Stream>::do_upgrade(request req) {
  beast::get_lowest_layer(stream_).expires_never();
  boost::asio::post(svc_.blocking, [self = this->shared_from_this(), req = std::move(req)]() mutable {
    api_router router(self->svc_);
    std::optional<response> refusal;
    std::shared_ptr<unit::unit_authority> authority;
    std::optional<store::user_record> user;
    try {
      std::string_view target = req.target();
      target = target.substr(0, target.find('?'));
      constexpr std::string_view prefix = "/api/units/", suffix = "/ws";
      if (!router.origin_allowed(req)) {
        refusal = error_response(req, http::status::forbidden, "bad_origin", "cross-site WebSocket refused");
      } else if (target.substr(0, prefix.size()) != prefix || target.size() <= prefix.size() + suffix.size() ||
                 target.substr(target.size() - suffix.size()) != suffix) {
        refusal = error_response(req, http::status::not_found, "not_found", "no such WebSocket");
      } else if (!(user = router.authenticate(req))) {
        refusal = error_response(req, http::status::unauthorized, "signed_out", "please sign in");
      } else {
        std::string id(target.substr(prefix.size(), target.size() - prefix.size() - suffix.size()));
        auto unit = self->svc_.accounts.unit_by_public_id(id);
        if (!unit || !self->svc_.accounts.is_member(unit->id, user->id)) {
          refusal = error_response(req, http::status::not_found, "unknown_unit", "no such unit");
        } else {
          authority = self->svc_.registry.open(*unit);
          // The authority checks every message against its members in memory: one added from
          // the command line while the unit is open is brought in now (the database said yes).
          auto members = authority->members();
          if (std::none_of(members.begin(), members.end(), [&](const unit::member_info& m) { return m.id == user->id; }))
            self->svc_.registry.refresh_members();
        }
      }
    } catch (const std::exception&) {
      refusal = error_response(req, http::status::internal_server_error, "internal", "the unit could not be opened");
    }
    boost::asio::post(self->stream_.get_executor(), [self, req = std::move(req), refusal = std::move(refusal),
                                                     authority = std::move(authority), user = std::move(user)]() mutable {
      if (refusal) {
        refusal->keep_alive(false);
        return self->do_write(http::message_generator(std::move(*refusal)));
      }
      auto token = auth::session_cookie::token_from(req[http::field::cookie]);
      std::make_shared<ws_session<Stream>>(std::move(self->stream_), self->svc_, std::move(authority), std::move(*user),
                                           token ? auth::token_digest(*token) : std::string())
          ->run(std::move(req));
    });
  });
}

template <class Stream>
void http_session<Stream>::do_write(http::message_generator msg) {
  bool keep_alive = msg.keep_alive();
  beast::get_lowest_layer(stream_).expires_after(svc_.config.http_timeout);
  beast::async_write(stream_, std::move(msg),
                     beast::bind_front_handler(&http_session::on_write, this->shared_from_this(), keep_alive));
}

template <class Stream>
void http_session<Stream>::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!keep_alive) return do_close();
  do_read();
}

template <class Stream>
void http_session<Stream>::do_close() {
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
  } else {
    beast::error_code ec;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

}  // namespace coplan::net
