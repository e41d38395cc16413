// command: a structure command (add, remove, restore or move a lesson; set a scalar field) as a
// pure value. Addressed by stable block ids, ordered by the server, never transformed.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace coplan::unit {

enum class command_op { add_lesson, remove_lesson, restore_lesson, move_lesson, set_value };

struct command {
  command_op op = command_op::set_value;
  std::string block;   // lesson id, or "unit"
  std::string after;   // add/move: the lesson it goes after; empty = first
  std::string field;   // set: field id
  nlohmann::json value;  // set: new value (null clears)

  // Throws coded_error("bad_command") when the JSON is not a well-formed command.
  static command from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// True when `id` is a well-formed block id chosen by a client (6–32 of [A-Za-z0-9_-]).
bool valid_block_id(const std::string& id);

}  // namespace coplan::unit
