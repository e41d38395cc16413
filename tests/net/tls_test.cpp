// HTTPS and WSS: `coplan serve --tls-cert --tls-key` serves the API and the unit WebSocket over
// TLS (Beast's SSL streams), marks the session cookie Secure, and refuses plain HTTP on that port.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "support/test_server.hpp"

using namespace coplan;
using namespace coplan::test_support;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

TEST(Tls, ServesHttpsAndWssWithSecureCookies) {
  temp_dir certs;
  auto cert = certs.file("cert.pem"), key = certs.file("key.pem");
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout '" + key + "' -out '" + cert +
                    "' -days 1 -subj /CN=localhost >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl is needed to make a test certificate";
  test_server ts([&](net::server_config& c) {
    c.tls_cert = cert;
    c.tls_key = key;
    c.secure_cookies = true;
  });
  boost::asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);  // a self-signed test certificate

  // Sign in over HTTPS.
  beast::ssl_stream<beast::tcp_stream> s(ioc, ctx);
  beast::get_lowest_layer(s).connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), ts.port()));
  s.handshake(ssl::stream_base::client);
  http::request<http::string_body> req{http::verb::post, "/api/signin", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = R"({"username":"lib","password":"correct horse"})";
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  std::string set_cookie(res[http::field::set_cookie]);
  EXPECT_NE(set_cookie.find("; Secure"), std::string::npos);
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  auto cookie = set_cookie.substr(0, set_cookie.find(';'));

  // The unit over WSS.
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), ts.port()));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& r) { r.set(http::field::cookie, cookie); }));
  ws.handshake("127.0.0.1", ts.ws_path());
  ws.write(boost::asio::buffer(std::string(R"({"type":"hello","clientID":"tls"})")));
  beast::flat_buffer wbuf;
  ws.read(wbuf);
  auto welcome = nlohmann::json::parse(beast::buffers_to_string(wbuf.data()));
  EXPECT_EQ(welcome["type"], "welcome");
  EXPECT_EQ(welcome["you"]["name"], "Lee Librarian");

  // Plain HTTP on the TLS port gets nowhere.
  EXPECT_ANY_THROW(client::http_call("127.0.0.1", ts.port(), http::verb::get, "/healthz"));
}
