// test_server: a real Coplan server on port 0 over a temporary data folder, with two partners
// (librarian "lib", teacher "tea") and their unit, and an outsider ("out", a teacher) in a
// partnership of their own with librarian "oli" (no unit yet: other_partnership()).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "net/server.hpp"
#include "support/temp_dir.hpp"

namespace coplan::test_support {

namespace http = boost::beast::http;
using client::ws_client;

inline client::http_reply http_call(unsigned short port, http::verb verb, const std::string& target,
                                    const std::string& body = "", const std::string& cookie = "",
                                    const std::string& origin = "",
                                    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return client::http_call("127.0.0.1", port, verb, target, body, cookie, origin, headers);
}

// For tests whose clients send far more messages than people do: no per-socket or per-account
// message limit (what bench/suite.sh lifts too).
inline void lift_message_limits(net::server_config& c) {
  c.messages_per_second = c.message_burst = 1e9;
  c.user_messages_per_second = c.user_message_burst = 1e9;
}

inline std::string sign_in(unsigned short port, const std::string& user, const std::string& password = "correct horse") {
  return client::sign_in("127.0.0.1", port, user, password);
}

class test_server {
public:
  explicit test_server(std::function<void(net::server_config&)> tweak = nullptr) {
    config_.port = 0;
    config_.data_dir = dir_.path();
    config_.templates_dir = std::string(COPLAN_SOURCE_DIR) + "/templates";
    config_.web_root = dir_.file("web");
    config_.hash_cost = auth::hash_cost::minimal;
    config_.threads = 2;
    if (tweak) tweak(config_);
    start();
    auto& a = srv_->accounts();
    const auto& h = srv_->hasher();
    lib_ = a.create_user("lib", "Lee Librarian", "librarian", h.hash("correct horse"));
    tea_ = a.create_user("tea", "Tess Teacher", "teacher", h.hash("correct horse"));
    out_ = a.create_user("out", "Otto Outsider", "teacher", h.hash("correct horse"));
    auto p = a.create_partnership("Lee & Tess", {lib_, tea_});
    unit_ = srv_->registry().create_unit(p, "ubd", "Test unit", tea_, {lib_, tea_}).public_id;
    auto oli = a.create_user("oli", "Oli Otherlib", "librarian", h.hash("correct horse"));
    other_partnership_ = a.create_partnership("Otto & Oli", {out_, oli});
  }

  void start() {
    srv_ = std::make_unique<net::server>(config_);
    port_ = srv_->start();
  }
  void restart() {
    srv_.reset();
    start();
  }
  // Stops the server and closes its database (for a restore); start() brings it back.
  void shut_down() { srv_.reset(); }

  unsigned short port() const { return port_; }
  const std::string& unit() const { return unit_; }
  std::string ws_path() const { return "/api/units/" + unit_ + "/ws"; }
  net::server& server() { return *srv_; }
  const temp_dir& dir() const { return dir_; }
  std::int64_t lib() const { return lib_; }
  std::int64_t tea() const { return tea_; }
  std::int64_t out() const { return out_; }
  std::int64_t other_partnership() const { return other_partnership_; }  // the outsider's

  // A member's WebSocket, signed in, before hello.
  std::unique_ptr<ws_client> open_socket(const std::string& user) {
    auto c = std::make_unique<ws_client>();
    if (!c->connect("127.0.0.1", port_, ws_path(), sign_in(port_, user))) throw std::runtime_error("upgrade refused");
    return c;
  }

  // A member's WebSocket, signed in and past hello.
  std::unique_ptr<ws_client> join(const std::string& user, const std::string& client_id, nlohmann::json* welcome = nullptr) {
    auto c = open_socket(user);
    auto w = c->hello(client_id);
    if (welcome) *welcome = w;
    return c;
  }

private:
  temp_dir dir_;
  net::server_config config_;
  std::unique_ptr<net::server> srv_;
  unsigned short port_ = 0;
  std::int64_t lib_ = 0, tea_ = 0, out_ = 0;
  std::int64_t other_partnership_ = 0;
  std::string unit_;
};

}  // namespace coplan::test_support
