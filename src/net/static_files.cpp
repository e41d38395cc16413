// Static file serving for the web client (see static_files.hpp).
#include "net/static_files.hpp"

#include <boost/beast/core/file.hpp>

namespace coplan::net {

namespace http = boost::beast::http;
namespace beast = boost::beast;

namespace {

std::string_view mime_type(std::string_view path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool safe_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  if (p.find("..") != std::string_view::npos || p.find('\\') != std::string_view::npos ||
      p.find('\0') != std::string_view::npos || p.find("//") != std::string_view::npos)
    return false;
  return true;
}

}  // namespace

void add_security_headers(http::fields& f) {
  f.set("Content-Security-Policy",
        "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  f.set("X-Content-Type-Options", "nosniff");
  f.set("Referrer-Policy", "same-origin");
  f.set("X-Frame-Options", "DENY");
}

http::message_generator static_files::serve(const http::request<http::string_body>& req) const {
  auto plain = [&](http::status status, std::string text) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(text);
    res.prepare_payload();
    return http::message_generator(std::move(res));
  };
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return plain(http::status::method_not_allowed, "method not allowed\n");
  std::string_view target = req.target();
  auto path = target.substr(0, target.find('?'));
  if (!safe_path(path)) return plain(http::status::bad_request, "bad path\n");
  std::string file = root_ + std::string(path);
  if (path.back() == '/') file += "index.html";

  beast::error_code ec;
  http::file_body::value_type body;
  body.open(file.c_str(), beast::file_mode::scan, ec);
  bool app_route = path.rfind('.') == std::string_view::npos || path.rfind('.') < path.rfind('/');
  if (ec && app_route) {
    // Client-side routes (/unit/abc) get the app shell.
    file = root_ + "/index.html";
    ec = {};
    body.open(file.c_str(), beast::file_mode::scan, ec);
  }
  if (ec == beast::errc::no_such_file_or_directory || ec == beast::errc::is_a_directory)
    return plain(http::status::not_found, "not found\n");
  if (ec) return plain(http::status::internal_server_error, "cannot read file\n");

  auto size = body.size();
  bool hashed = path.substr(0, 8) == "/assets/";
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, mime_type(file));
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    return http::message_generator(std::move(res));
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::content_type, mime_type(file));
  res.set(http::field::cache_control, hashed ? "public, max-age=31536000, immutable" : "no-cache");
  add_security_headers(res.base());
  res.content_length(size);
  res.keep_alive(req.keep_alive());
  return http::message_generator(std::move(res));
}

}  // namespace coplan::net
