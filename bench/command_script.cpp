// The crash harness's structure commands and the model of an editor's own lessons (see
// command_script.hpp).
#include "command_script.hpp"

#include <cstdio>
#include <stdexcept>

namespace coplan::bench {

using nlohmann::json;

json command_script::next(std::mt19937_64& rng) {
  static const char* const approaches[] = {"one_teach_one_assist", "one_teach_one_observe", "station",
                                           "parallel",             "alternative",           "teaming"};
  static const char* const phases[] = {"plan", "teach", "assess", "reflect"};
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  std::vector<std::size_t> live, removed;
  for (std::size_t i = 0; i < lessons_.size(); ++i) (lessons_[i].removed ? removed : live).push_back(i);
  auto any_of = [&](const std::vector<std::size_t>& from) -> const std::string& { return lessons_[from[below(from.size())]].id; };
  // Where a lesson goes: first, or after one of this editor's live lessons other than itself.
  auto after = [&](const std::string& self) -> json {
    std::vector<std::size_t> others;
    for (auto i : live)
      if (lessons_[i].id != self) others.push_back(i);
    if (others.empty() || below(4) == 0) return nullptr;
    return lessons_[others[below(others.size())]].id;
  };
  json cmd;
  std::string kind;
  while (cmd.is_null()) {
    auto r = below(100);
    if (r < 30 && lessons_.size() < max_lessons_) {
      kind = "add_block";
      auto id = prefix_ + std::to_string(lessons_.size() + 1);
      cmd = {{"op", "add_block"}, {"list", "lessons"}, {"id", id}, {"after", after(id)}};
      if (below(2)) cmd["values"] = {{"minutes", below(601)}};
    } else if (r >= 30 && r < 50 && !live.empty()) {
      kind = "move_block";
      const auto& id = any_of(live);
      cmd = {{"op", "move_block"}, {"id", id}, {"after", after(id)}};
    } else if (r >= 50 && r < 60 && live.size() >= 2) {
      kind = "remove_block";
      cmd = {{"op", "remove_block"}, {"id", any_of(live)}};
    } else if (r >= 60 && r < 65 && !removed.empty()) {
      kind = "restore_block";
      cmd = {{"op", "restore_block"}, {"id", any_of(removed)}};
    } else if (r >= 65 && r < 85 && !live.empty()) {
      kind = "set lesson";
      json value;
      std::string field;
      switch (below(3)) {
        case 0:
          field = "minutes";
          value = below(601);
          break;
        case 1:
          field = "begin_approach";
          value = approaches[below(std::size(approaches))];
          break;
        default: {
          char date[16];
          std::snprintf(date, sizeof date, "2026-%02zu-%02zu", below(12) + 1, below(28) + 1);
          field = "date";
          value = date;
        }
      }
      if (below(5) == 0) value = nullptr;  // cleared
      cmd = {{"op", "set"}, {"block", any_of(live)}, {"field", field}, {"value", value}};
    } else if (r >= 85) {
      kind = "set unit";
      switch (below(3)) {
        case 0:
          cmd = {{"op", "set"}, {"block", "unit"}, {"field", "phase"}, {"value", phases[below(std::size(phases))]}};
          break;
        case 1:
          cmd = {{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", std::to_string(below(12) + 1)}};
          break;
        default:
          cmd = {{"op", "set"}, {"block", "unit"}, {"field", "title"},
                 {"value", unit_title_ + " · " + std::to_string(sent_.size() + 1)}};
      }
    }
  }
  apply(lessons_, cmd);
  sent_.push_back(cmd);
  ++counts_[kind];
  return cmd;
}

std::size_t command_script::index_of(const std::vector<lesson>& lessons, const std::string& id) {
  for (std::size_t i = 0; i < lessons.size(); ++i)
    if (lessons[i].id == id) return i;
  throw std::logic_error("command_script: no lesson " + id);
}

void command_script::apply(std::vector<lesson>& lessons, const json& cmd) {
  const auto& op = cmd["op"].get_ref<const std::string&>();
  auto position = [&](const json& after) { return after.is_null() ? 0 : index_of(lessons, after.get<std::string>()) + 1; };
  if (op == "add_block") {
    lesson l{cmd["id"].get<std::string>(), false, json::object()};
    if (cmd.contains("values"))
      for (const auto& [k, v] : cmd["values"].items())
        if (!v.is_null()) l.values[k] = v;
    auto at = position(cmd["after"]);
    lessons.insert(lessons.begin() + static_cast<std::ptrdiff_t>(at), std::move(l));
  } else if (op == "move_block") {
    auto from = index_of(lessons, cmd["id"].get<std::string>());
    auto moved = std::move(lessons[from]);
    lessons.erase(lessons.begin() + static_cast<std::ptrdiff_t>(from));
    auto at = position(cmd["after"]);
    lessons.insert(lessons.begin() + static_cast<std::ptrdiff_t>(at), std::move(moved));
  } else if (op == "remove_block" || op == "restore_block") {
    lessons[index_of(lessons, cmd["id"].get<std::string>())].removed = op == "remove_block";
  } else if (op == "set" && cmd["block"] != "unit") {
    auto& values = lessons[index_of(lessons, cmd["block"].get<std::string>())].values;
    if (cmd["value"].is_null()) values.erase(cmd["field"].get<std::string>());
    else values[cmd["field"].get<std::string>()] = cmd["value"];
  }
}

json command_script::lessons_after(std::size_t k) const {
  std::vector<lesson> lessons;
  for (std::size_t i = 0; i < k && i < sent_.size(); ++i) apply(lessons, sent_[i]);
  auto out = json::array();
  for (const auto& l : lessons) out.push_back({{"id", l.id}, {"removed", l.removed}, {"values", l.values}});
  return out;
}

}  // namespace coplan::bench
