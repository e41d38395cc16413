// client_message: the messages a browser sends over a unit's WebSocket, parsed and checked into
// typed values (no sockets here). Parsing throws coded_error; docs/protocol.md lists every field.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "unit/command.hpp"
#include "unit/unit_doc.hpp"
#include "unit/unit_limits.hpp"

namespace coplan::unit {

struct hello_msg {
  std::string client_id;
  std::map<std::string, std::uint64_t> streams;  // versions the client already has
  bool batch = false;  // the client reads a frame holding a JSON array of messages
};

struct push_msg {
  std::string stream;
  std::uint64_t version = 0;
  std::vector<incoming_update> updates;
};

struct command_msg {
  std::string client_id;
  std::uint64_t seq = 0;
  command cmd;
};

struct presence_msg {
  std::string stream;  // empty: not in a text field
  std::int64_t anchor = 0;
  std::int64_t head = 0;
};

struct ping_msg {};

using client_message = std::variant<hello_msg, push_msg, command_msg, presence_msg, ping_msg>;

// Throws coded_error: bad_json, bad_message, unknown_type, bad_changes, bad_unicode, bad_command, too_large.
client_message parse_client_message(std::string_view text, const unit_limits& limits);

// Every message type a client may send on a unit's WebSocket, read from the table the parser
// dispatches on (the authorization-matrix test walks this list). All of them need membership of
// the unit: checked when the WebSocket opens, and again by the unit's authority for every message.
const std::vector<std::string>& client_message_types();

// Client ids: 1–64 printable ASCII characters.
bool valid_client_id(const std::string& id);

}  // namespace coplan::unit
