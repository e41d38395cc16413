// concurrent_trace: turns a concurrent editing trace (each transaction typed on the merged state
// of its causal parents) into one linear sequence of ChangeSets, each applying to the merged
// state of every transaction before it — what a central server receives. It keeps every character
// ever typed in one list (like a sequence CRDT), with the transaction that typed it and those that
// deleted it, so each transaction's positions can be read in its own view of the document. It
// also knows which agent typed each surviving character: the independent attribution the
// server's author runs are checked against.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/change_set.hpp"
#include "text/utf16.hpp"

namespace coplan::test_support {

class concurrent_trace {
public:
  struct linear_patch {
    std::uint32_t agent;
    std::size_t txn;
    text::change_set changes;
  };

  explicit concurrent_trace(const nlohmann::json& trace) {
    const auto& txns = trace.at("txns");
    std::size_t words = (txns.size() + 63) / 64;
    past_.assign(txns.size(), std::vector<std::uint64_t>(words, 0));
    for (std::size_t t = 0; t < txns.size(); ++t) {
      for (const auto& p : txns[t].at("parents")) {
        auto parent = p.get<std::size_t>();
        for (std::size_t w = 0; w < words; ++w) past_[t][w] |= past_[parent][w];
        past_[t][parent / 64] |= std::uint64_t{1} << (parent % 64);
      }
      auto agent = txns[t].at("agent").get<std::uint32_t>();
      for (const auto& patch : txns[t].at("patches"))
        apply(t, agent, patch[0].get<std::size_t>(), patch[1].get<std::size_t>(),
              text::utf8_to_utf16(patch[2].get<std::string>()));
    }
  }

  const std::vector<linear_patch>& patches() const { return out_; }

  std::string merged_text() const {
    std::u16string s;
    for (const auto& e : list_)
      if (!e.deleted) s.push_back(e.c);
    return text::utf16_to_utf8(s);
  }

  std::vector<std::uint64_t> surviving_by_agent(std::size_t agents) const {
    std::vector<std::uint64_t> n(agents, 0);
    for (const auto& e : list_)
      if (!e.deleted) ++n.at(e.agent);
    return n;
  }

private:
  struct entry {
    char16_t c;
    std::uint32_t txn;
    std::uint32_t agent;
    std::vector<std::uint32_t> deleters;  // transactions that deleted it
    bool deleted = false;                 // deleted in the merged state
  };

  bool sees(std::size_t t, std::uint32_t x) const { return x == t || (past_[t][x / 64] >> (x % 64)) & 1; }
  bool visible_to(std::size_t t, const entry& e) const {
    if (!sees(t, e.txn)) return false;
    for (auto d : e.deleters)
      if (sees(t, d)) return false;
    return true;
  }

  void apply(std::size_t t, std::uint32_t agent, std::size_t pos, std::size_t del, const std::u16string& ins) {
    // One pass: where the insertion goes (right after the pos-th character this transaction
    // sees), which characters it deletes, and their positions in the merged document.
    std::size_t seen = 0, merged = 0, insert_at = pos == 0 ? 0 : SIZE_MAX, insert_merged = 0;
    std::vector<std::size_t> deletes;          // list indexes
    std::vector<std::int64_t> delete_merged;   // merged positions of those still present
    for (std::size_t i = 0; i < list_.size(); ++i) {
      auto& e = list_[i];
      bool v = visible_to(t, e);
      if (v && seen >= pos && seen < pos + del) {
        deletes.push_back(i);
        if (!e.deleted) delete_merged.push_back(static_cast<std::int64_t>(merged));
      }
      if (v) ++seen;
      if (!e.deleted) ++merged;
      if (v && seen == pos && insert_at == SIZE_MAX) {
        insert_at = i + 1;
        insert_merged = merged;
      }
    }
    if (insert_at == SIZE_MAX || deletes.size() != del) throw std::runtime_error("trace position out of range");
    auto length = static_cast<std::int64_t>(merged);
    // The change on the merged document: insert at insert_merged, delete the listed positions.
    text::section_list sections;
    text::insert_list inserted;
    std::int64_t at = 0;
    auto keep_to = [&](std::int64_t p) {
      if (p > at) sections.insert(sections.end(), {p - at, -1});
      at = p;
    };
    std::size_t k = 0;
    keep_to(static_cast<std::int64_t>(insert_merged));
    std::int64_t run = 0;
    while (k < delete_merged.size() && delete_merged[k] == at + run) ++run, ++k;
    if (!ins.empty() || run) {
      sections.insert(sections.end(), {run, static_cast<std::int64_t>(ins.size())});
      inserted.resize(sections.size() / 2 - 1);
      inserted.push_back(ins);
      at += run;
    }
    while (k < delete_merged.size()) {
      keep_to(delete_merged[k]);
      run = 0;
      while (k < delete_merged.size() && delete_merged[k] == at + run) ++run, ++k;
      sections.insert(sections.end(), {run, 0});
      at += run;
    }
    keep_to(length);
    if (!sections.empty()) out_.push_back({agent, t, text::change_set(std::move(sections), std::move(inserted))});
    // Update the list: deletions, then the new characters.
    for (auto i : deletes) {
      list_[i].deleters.push_back(static_cast<std::uint32_t>(t));
      list_[i].deleted = true;
    }
    std::vector<entry> fresh;
    for (auto c : ins) fresh.push_back({c, static_cast<std::uint32_t>(t), agent, {}, false});
    list_.insert(list_.begin() + static_cast<std::ptrdiff_t>(insert_at), fresh.begin(), fresh.end());
  }

  std::vector<std::vector<std::uint64_t>> past_;
  std::vector<entry> list_;
  std::vector<linear_patch> out_;
};

}  // namespace coplan::test_support
