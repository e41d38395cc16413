// echo_load_client: the floor. Sends each token as a text message to a bare Beast echo server
// (`coplan-bench echo-server`) and counts the echo as both the acknowledgement and the delivery,
// so the generator measures what the machine, the sockets and the WebSocket framing allow.
#pragma once
#include "load_connection.hpp"

namespace coplan::bench {

class echo_load_client : public load_connection {
public:
  echo_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, load_events* events)
      : load_connection(ioc, endpoint, "/", "", events) {}

  void insert_token(std::uint64_t token) override { send(token_text(token)); }

protected:
  void on_open() override { mark_ready(); }
  void on_message(std::string_view message) override;
};

}  // namespace coplan::bench
