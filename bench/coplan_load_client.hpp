// coplan_load_client: a load-generator client speaking Coplan's unit protocol: hello/welcome, then
// pushes and updates on one or more text fields through collab_client (the C++ port of
// @codemirror/collab's client algorithm) and, when given a structure_client, structure commands
// (`cmd`, confirmed by their broadcast or `cmd_ack`), so the server sees exactly what a browser
// would send. The fields' and the structure's state can outlive the connection: the crash harness
// hands them to a new connection after a server restart, which says hello with the fields'
// versions and re-sends what is unconfirmed, as the browser does.
#pragma once
#include <deque>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <simdjson.h>

#include "collab_client.hpp"
#include "load_connection.hpp"
#include "structure_client.hpp"

namespace coplan::bench {

// One client's copy of one field, kept across connections.
struct coplan_field_state {
  coplan_field_state(std::string stream, std::string client_id) : collab(std::move(stream), std::move(client_id)) {}
  collab_client collab;
  std::deque<std::uint64_t> unconfirmed_tokens;  // in edit order, as collab holds them
  bool welcomed = false;                         // has had a full copy of the field
  bool batch = true;                             // asks for batched frames (hello "batch": true)
  // Types load_connection::token_text(token) at the start of the field (sent by a connection
  // later); once the field is longer than max_length (when not 0), it replaces as many characters.
  void type_token(std::uint64_t token);
  std::int64_t max_length = 0;
};

class coplan_load_client : public load_connection {
public:
  coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, const std::string& unit_id,
                     std::string cookie, load_events* events, std::string client_id, std::string stream = "unit.goals");
  // A connection that continues `fields` (hello with their versions; unconfirmed edits pushed
  // again) and, when given, `structure` (pending commands sent again). The first field's `batch`
  // decides the hello's.
  coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, const std::string& unit_id,
                     std::string cookie, load_events* events, std::vector<std::shared_ptr<coplan_field_state>> fields,
                     std::shared_ptr<structure_client> structure = nullptr);
  coplan_field_state& state() { return *fields_.front(); }

  // Types into the first field.
  void insert_token(std::uint64_t token) override;
  // Types into field `field` (an index into the fields given).
  void insert_token(std::size_t field, std::uint64_t token);
  // Queues a structure command (needs a structure_client) and sends it when welcomed.
  void command(nlohmann::json cmd);
  std::optional<std::string> text() const override;

protected:
  void on_open() override;
  void on_message(std::string_view message) override;
  // One message (a batched frame holds several): `updates` and `pushed` read from simdjson's
  // document, any other type handed to handle() as a nlohmann::json value.
  void handle_element(simdjson::dom::element m);
  void handle(const nlohmann::json& m);

private:
  void on_welcome(const nlohmann::json& m);
  coplan_field_state* field(std::string_view stream);
  // Our first `confirmed` unconfirmed edits of `f` were confirmed.
  void confirm(coplan_field_state& f, std::size_t confirmed);
  void flush(coplan_field_state& f);
  void receive(coplan_field_state& f, std::uint64_t first, const nlohmann::json& updates);
  std::vector<std::shared_ptr<coplan_field_state>> fields_;
  std::shared_ptr<structure_client> structure_;
};

}  // namespace coplan::bench
