// coplan_load_client: a load-generator client speaking Coplan's unit protocol: hello/welcome, then
// pushes and updates on one text field through collab_client (the C++ port of @codemirror/collab's
// client algorithm), so the server sees exactly what a browser would send.
#pragma once
#include <deque>

#include "collab_client.hpp"
#include "load_connection.hpp"

namespace coplan::bench {

class coplan_load_client : public load_connection {
public:
  coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, const std::string& unit_id,
                     std::string cookie, load_events* events, std::string client_id, std::string stream = "unit.goals");

  void insert_token(std::uint64_t token) override;
  std::optional<std::string> text() const override;

protected:
  void on_open() override;
  void on_message(std::string_view message) override;

private:
  void flush();
  collab_client collab_;
  std::deque<std::uint64_t> unconfirmed_tokens_;  // in edit order, as collab_ holds them
};

}  // namespace coplan::bench
