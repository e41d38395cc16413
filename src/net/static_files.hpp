// static_files: serves the built web client (web/dist) with safe path handling, content types,
// long-lived caching for hashed assets, security headers, and index.html for app routes.
#pragma once
#include <string>

#include <boost/beast/http.hpp>

namespace coplan::net {

class static_files {
public:
  explicit static_files(std::string root) : root_(std::move(root)) {}
  boost::beast::http::message_generator serve(const boost::beast::http::request<boost::beast::http::string_body>& req) const;

private:
  std::string root_;
};

// Headers every HTML/JS response carries (content security policy and friends).
void add_security_headers(boost::beast::http::fields& f);

}  // namespace coplan::net
