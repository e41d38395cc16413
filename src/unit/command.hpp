// command: a structure command as a pure value: add, remove, restore or move a block of a list
// (a lesson, a resource…), set a scalar field, add or resolve a comment. Addressed by stable ids,
// ordered by the server, never transformed.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace coplan::unit {

enum class command_op {
  add_block,
  remove_block,
  restore_block,
  move_block,
  set_value,
  add_comment,
  resolve_comment,
  add_tag,
  acknowledge_tag,
  remove_tag
};

struct command {
  command_op op = command_op::set_value;
  std::string block;     // block id ("unit" for unit values), or the comment id
  std::string list;      // add_block: which list
  std::string after;     // add/move: the block it goes after; empty = first
  std::string field;     // set: field id
  nlohmann::json value;  // set: new value (null clears); add_block: initial values (object or null)
  std::string target;    // add_comment: section id or block id it is about
  std::string parent;    // add_comment: the comment it answers; empty = a new thread
  std::string text;      // add_comment
  bool resolved = true;  // resolve_comment; acknowledge_tag: acknowledged
  std::string area;      // add_tag
  std::int64_t from = -1, to = -1;  // add_tag on a passage
  // add_tag on a passage: the field version `from`/`to` were taken at (-1: the server's head).
  // The server carries them through the updates since, so a passage tagged before its author saw
  // a partner's edit still covers the words she chose.
  std::int64_t version = -1;
  std::uint32_t by = 0;  // add_tag: whose expertise (0: the one who tags)

  // Throws coded_error("bad_command") when the JSON is not a well-formed command.
  static command from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// True when `id` is a well-formed id chosen by a client (6–32 of [A-Za-z0-9_-]).
bool valid_block_id(const std::string& id);

}  // namespace coplan::unit
