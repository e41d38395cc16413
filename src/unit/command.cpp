// Parsing and writing structure commands (see command.hpp).
#include "unit/command.hpp"

#include "text/coded_error.hpp"

namespace coplan::unit {

namespace {

[[noreturn]] void bad(const std::string& why) { throw coded_error("bad_command", why); }

std::string string_member(const nlohmann::json& j, const char* name, bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) bad(std::string("missing \"") + name + "\"");
    return {};
  }
  if (!it->is_string()) bad(std::string("\"") + name + "\" must be a string");
  auto s = it->get<std::string>();
  if (s.size() > 64) bad(std::string("\"") + name + "\" is too long");
  return s;
}

}  // namespace

bool valid_block_id(const std::string& id) {
  if (id.size() < 6 || id.size() > 32) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

command command::from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad("a command must be an object");
  auto op = string_member(j, "op", true);
  command c;
  if (op == "add_lesson") {
    c.op = command_op::add_lesson;
    c.block = string_member(j, "id", true);
    c.after = string_member(j, "after", false);
    if (!valid_block_id(c.block)) bad("lesson id must be 6–32 letters, digits, _ or -");
  } else if (op == "remove_lesson" || op == "restore_lesson") {
    c.op = op == "remove_lesson" ? command_op::remove_lesson : command_op::restore_lesson;
    c.block = string_member(j, "id", true);
  } else if (op == "move_lesson") {
    c.op = command_op::move_lesson;
    c.block = string_member(j, "id", true);
    c.after = string_member(j, "after", false);
  } else if (op == "set") {
    c.op = command_op::set_value;
    c.block = string_member(j, "block", true);
    c.field = string_member(j, "field", true);
    if (!j.contains("value")) bad("missing \"value\"");
    c.value = j.at("value");
  } else {
    bad("unknown command op");
  }
  return c;
}

nlohmann::json command::to_json() const {
  switch (op) {
    case command_op::add_lesson:
      return {{"op", "add_lesson"}, {"id", block}, {"after", after.empty() ? nlohmann::json() : nlohmann::json(after)}};
    case command_op::remove_lesson:
      return {{"op", "remove_lesson"}, {"id", block}};
    case command_op::restore_lesson:
      return {{"op", "restore_lesson"}, {"id", block}};
    case command_op::move_lesson:
      return {{"op", "move_lesson"}, {"id", block}, {"after", after.empty() ? nlohmann::json() : nlohmann::json(after)}};
    case command_op::set_value:
      return {{"op", "set"}, {"block", block}, {"field", field}, {"value", value}};
  }
  return {};
}

}  // namespace coplan::unit
