// Parsing and writing structure commands (see command.hpp).
#include "unit/command.hpp"

#include "text/coded_error.hpp"
#include "text/utf16.hpp"

namespace coplan::unit {

namespace {

constexpr std::size_t max_comment_utf16 = 4000;

[[noreturn]] void bad_command(const std::string& why) { throw coded_error("bad_command", why); }

std::string string_member(const nlohmann::json& j, const char* name, bool required, std::size_t max = 64) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) bad_command(std::string("missing \"") + name + "\"");
    return {};
  }
  if (!it->is_string()) bad_command(std::string("\"") + name + "\" must be a string");
  auto s = it->get<std::string>();
  if (s.size() > max) bad_command(std::string("\"") + name + "\" is too long");
  return s;
}

std::string new_id(const nlohmann::json& j) {
  auto id = string_member(j, "id", true);
  if (!valid_block_id(id)) bad_command("ids are 6–32 letters, digits, _ or -");
  return id;
}

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

}  // namespace

bool valid_block_id(const std::string& id) {
  if (id.size() < 6 || id.size() > 32) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

command command::from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad_command("a command must be an object");
  auto op = string_member(j, "op", true);
  command c;
  if (op == "add_block") {
    c.op = command_op::add_block;
    c.list = string_member(j, "list", true);
    c.block = new_id(j);
    c.after = string_member(j, "after", false);
    if (j.contains("values") && !j.at("values").is_null()) {
      if (!j.at("values").is_object() || j.at("values").size() > 50) bad_command("\"values\" must be an object");
      c.value = j.at("values");
    }
  } else if (op == "remove_block" || op == "restore_block") {
    c.op = op == "remove_block" ? command_op::remove_block : command_op::restore_block;
    c.block = string_member(j, "id", true);
  } else if (op == "move_block") {
    c.op = command_op::move_block;
    c.block = string_member(j, "id", true);
    c.after = string_member(j, "after", false);
  } else if (op == "set") {
    c.op = command_op::set_value;
    c.block = string_member(j, "block", true);
    c.field = string_member(j, "field", true);
    if (!j.contains("value")) bad_command("missing \"value\"");
    c.value = j.at("value");
  } else if (op == "add_comment") {
    c.op = command_op::add_comment;
    c.block = new_id(j);
    c.target = string_member(j, "target", true);
    c.parent = string_member(j, "parent", false);
    c.text = string_member(j, "text", true, max_comment_utf16 * 3);
    if (text::utf16_length_of_utf8(c.text) > max_comment_utf16) bad_command("a comment is at most 4000 characters");
    if (c.text.find_first_not_of(" \t\r\n") == std::string::npos) bad_command("a comment cannot be empty");
  } else if (op == "resolve_comment") {
    c.op = command_op::resolve_comment;
    c.block = string_member(j, "id", true);
    auto it = j.find("resolved");
    if (it != j.end()) {
      if (!it->is_boolean()) bad_command("\"resolved\" must be true or false");
      c.resolved = it->get<bool>();
    }
  } else if (op == "add_tag") {
    c.op = command_op::add_tag;
    c.block = new_id(j);
    c.target = string_member(j, "target", true, 100);
    c.area = string_member(j, "area", true, 40);
    if (j.contains("from") || j.contains("to")) {
      const auto& f = j.contains("from") ? j.at("from") : nlohmann::json();
      const auto& t = j.contains("to") ? j.at("to") : nlohmann::json();
      auto count = [](const nlohmann::json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0; };
      if (!count(f) || !count(t) || f.get<std::int64_t>() > t.get<std::int64_t>() || t.get<std::int64_t>() > (1 << 30))
        bad_command("a passage needs 0 <= from <= to");
      c.from = f.get<std::int64_t>();
      c.to = t.get<std::int64_t>();
    }
    if (j.contains("version") && !j.at("version").is_null()) {
      const auto& v = j.at("version");
      if (c.from < 0) bad_command("\"version\" goes with a passage (from/to)");
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > (1LL << 52))
        bad_command("\"version\" must be a field version");
      c.version = v.get<std::int64_t>();
    }
    if (j.contains("by") && !j.at("by").is_null()) {
      const auto& by = j.at("by");
      if (!by.is_number_integer() || by.get<std::int64_t>() < 0 || by.get<std::int64_t>() > 0xffffffffLL)
        bad_command("\"by\" must be a member id");
      c.by = j.at("by").get<std::uint32_t>();
    }
  } else if (op == "acknowledge_tag" || op == "remove_tag") {
    c.op = op == "acknowledge_tag" ? command_op::acknowledge_tag : command_op::remove_tag;
    c.block = string_member(j, "id", true);
    auto it = j.find("acknowledged");
    if (it != j.end()) {
      if (!it->is_boolean()) bad_command("\"acknowledged\" must be true or false");
      c.resolved = it->get<bool>();
    }
  } else {
    bad_command("unknown command op");
  }
  return c;
}

nlohmann::json command::to_json() const {
  switch (op) {
    case command_op::add_block: {
      nlohmann::json j{{"op", "add_block"}, {"list", list}, {"id", block}, {"after", or_null(after)}};
      if (!value.is_null()) j["values"] = value;
      return j;
    }
    case command_op::remove_block:
      return {{"op", "remove_block"}, {"id", block}};
    case command_op::restore_block:
      return {{"op", "restore_block"}, {"id", block}};
    case command_op::move_block:
      return {{"op", "move_block"}, {"id", block}, {"after", or_null(after)}};
    case command_op::set_value:
      return {{"op", "set"}, {"block", block}, {"field", field}, {"value", value}};
    case command_op::add_comment:
      return {{"op", "add_comment"}, {"id", block}, {"target", target}, {"parent", or_null(parent)}, {"text", text}};
    case command_op::resolve_comment:
      return {{"op", "resolve_comment"}, {"id", block}, {"resolved", resolved}};
    case command_op::add_tag: {
      nlohmann::json j{{"op", "add_tag"}, {"id", block}, {"target", target}, {"area", area}};
      if (from >= 0) {
        j["from"] = from;
        j["to"] = to;
        if (version >= 0) j["version"] = version;
      }
      if (by) j["by"] = by;
      return j;
    }
    case command_op::acknowledge_tag:
      return {{"op", "acknowledge_tag"}, {"id", block}, {"acknowledged", resolved}};
    case command_op::remove_tag:
      return {{"op", "remove_tag"}, {"id", block}};
  }
  return {};
}

}  // namespace coplan::unit
