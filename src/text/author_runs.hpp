// author_runs: who wrote each UTF-16 code unit of a text, as run-length spans [(length, author)],
// kept in step with the text through every ChangeSet. Inserted text takes the pusher's id;
// deleted text leaves the runs. Adjacent runs by the same author are always merged.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace coplan::text {

class change_set;

struct author_run {
  std::uint32_t length;
  std::uint32_t author;
  bool operator==(const author_run&) const = default;
};

class author_runs {
public:
  author_runs() = default;
  explicit author_runs(std::vector<author_run> runs);

  void apply(const change_set& changes, std::uint32_t author);
  void insert(std::uint64_t pos, std::uint64_t length, std::uint32_t author);
  void erase(std::uint64_t pos, std::uint64_t length);

  std::uint64_t total() const;
  const std::vector<author_run>& runs() const { return runs_; }
  // Code units each author holds, indexed by author id.
  std::uint64_t length_by(std::uint32_t author) const;

  nlohmann::json to_json() const;  // [[length, author], ...]
  void append_json(std::string& out) const;  // appends to_json().dump()
  // Throws std::runtime_error on malformed input (stored data only, never client input).
  static author_runs from_json(const nlohmann::json& j);

private:
  // Index of the run holding position `pos` and the offset in it; splits nothing.
  std::size_t find(std::uint64_t pos, std::uint64_t& offset) const;

  std::vector<author_run> runs_;
};

}  // namespace coplan::text
