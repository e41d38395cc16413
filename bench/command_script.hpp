// command_script: the structure commands one editor of the crash harness sends, chosen so that no
// command can be refused whatever the partner does meanwhile: the editor adds, moves, removes and
// restores only its own lessons (placed first or after one of its own), sets their values, and
// sets unit values (phase, grade, title). Keeps every command it chose, by seq, and computes what
// the editor's own lessons must look like on the server once its first k commands are applied
// (the partner's commands never change the relative order of another editor's lessons). Pure.
#pragma once
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace coplan::bench {

class command_script {
public:
  // `prefix` starts the id of every lesson this editor adds; `unit_title` is the unit's title stem.
  command_script(std::string prefix, std::string unit_title, std::size_t max_lessons)
      : prefix_(std::move(prefix)), unit_title_(std::move(unit_title)), max_lessons_(max_lessons) {}

  // The next command (as the server stores it: unit::command::to_json()), now counted as sent.
  nlohmann::json next(std::mt19937_64& rng);

  // Command `seq` (1, 2, …) as chosen.
  const nlohmann::json& sent(std::uint64_t seq) const { return sent_.at(seq - 1); }
  std::size_t size() const { return sent_.size(); }
  bool owns(const std::string& block_id) const { return block_id.rfind(prefix_, 0) == 0; }
  // This editor's lessons after its first `k` commands, as the server's structure lists them:
  // [{"id","removed","values"}…] in list order.
  nlohmann::json lessons_after(std::size_t k) const;
  // How many commands of each op were chosen ("add_block", "move_block", … "set lesson", "set unit").
  const std::map<std::string, std::size_t>& counts() const { return counts_; }

private:
  struct lesson {
    std::string id;
    bool removed = false;
    nlohmann::json values = nlohmann::json::object();
  };
  static void apply(std::vector<lesson>& lessons, const nlohmann::json& cmd);
  static std::size_t index_of(const std::vector<lesson>& lessons, const std::string& id);

  std::string prefix_;
  std::string unit_title_;
  std::size_t max_lessons_;
  std::vector<nlohmann::json> sent_;  // by seq - 1
  std::vector<lesson> lessons_;       // after every command sent
  std::map<std::string, std::size_t> counts_;
};

}  // namespace coplan::bench
