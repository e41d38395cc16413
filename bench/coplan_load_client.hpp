// coplan_load_client: a load-generator client speaking Coplan's unit protocol: hello/welcome, then
// pushes and updates on one text field through collab_client (the C++ port of @codemirror/collab's
// client algorithm), so the server sees exactly what a browser would send. The field's state can
// outlive the connection: the crash harness hands it to a new connection after a server restart,
// which says hello with its version and re-sends what is unconfirmed, as the browser does.
#pragma once
#include <deque>
#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "collab_client.hpp"
#include "load_connection.hpp"

namespace coplan::bench {

// One client's copy of one field, kept across connections.
struct coplan_field_state {
  coplan_field_state(std::string stream, std::string client_id) : collab(std::move(stream), std::move(client_id)) {}
  collab_client collab;
  std::deque<std::uint64_t> unconfirmed_tokens;  // in edit order, as collab holds them
  bool welcomed = false;                         // has had a full copy of the field
  bool batch = true;                             // asks for batched frames (hello "batch": true)
  // Types load_connection::token_text(token) at the end of the field (sent by a connection later).
  void type_token(std::uint64_t token);
};

class coplan_load_client : public load_connection {
public:
  coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, const std::string& unit_id,
                     std::string cookie, load_events* events, std::string client_id, std::string stream = "unit.goals");
  // A connection that continues `state` (hello with its version; unconfirmed edits pushed again).
  coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, const std::string& unit_id,
                     std::string cookie, load_events* events, std::shared_ptr<coplan_field_state> state);
  coplan_field_state& state() { return *state_; }

  void insert_token(std::uint64_t token) override;
  std::optional<std::string> text() const override;

protected:
  void on_open() override;
  void on_message(std::string_view message) override;
  void handle(const nlohmann::json& m);  // one message (a batched frame holds several)

private:
  void flush();
  void receive(std::uint64_t first, const nlohmann::json& updates);
  std::shared_ptr<coplan_field_state> state_;
};

}  // namespace coplan::bench
