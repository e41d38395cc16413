// change_set: CodeMirror 6's ChangeSet as a pure value: (length, insert-length) section pairs over
// UTF-16 code units plus the inserted texts. Parses and writes CodeMirror's JSON form and composes
// and maps exactly as @codemirror/state does (proven by tests/web/changeset-diff.test.ts).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <nlohmann/json_fwd.hpp>

namespace simdjson::dom {
class element;
}

namespace coplan::text {

// A change set's section pairs and inserted texts. Most change sets (one edit somewhere in a
// document: keep, replace, keep) fit inline, so mapping one over another, which a server rebasing
// a stale push does thousands of times a second, allocates nothing for them.
using section_list = boost::container::small_vector<std::int64_t, 12>;
using insert_list = boost::container::small_vector<std::u16string, 3>;

class change_set {
public:
  change_set() = default;
  change_set(section_list sections, insert_list inserted)
      : sections_(std::move(sections)), inserted_(std::move(inserted)) {}

  // Parses CodeMirror's JSON form: n = keep n, [n] = delete n, [n, "line", ...] = replace n by the
  // lines joined with "\n". Throws coded_error("bad_changes" | "bad_unicode" | "too_large").
  // `max_number` bounds every length; `max_insert` bounds the total inserted UTF-16 units.
  static change_set from_json(const nlohmann::json& j, std::int64_t max_number, std::int64_t max_insert);
  // The same, read from simdjson's DOM (client messages are parsed with simdjson).
  static change_set from_simdjson(const simdjson::dom::element& j, std::int64_t max_number, std::int64_t max_insert);
  nlohmann::json to_json() const;
  // to_json().dump(), written directly (no JSON value built): the form stored and broadcast.
  std::string to_json_text() const;
  static change_set empty_of(std::int64_t length);
  // The change set turning `from` into `to` by replacing only the part between their common
  // prefix and suffix (so unchanged text keeps its authors); never cuts a surrogate pair.
  static change_set between(const std::u16string& from, const std::u16string& to);
  // A change set replacing [from, to) of a document of `length` by `insert`.
  static change_set replace(std::int64_t length, std::int64_t from, std::int64_t to, std::u16string insert);

  std::int64_t length() const;      // document length before
  std::int64_t new_length() const;  // document length after
  bool empty() const;
  std::int64_t inserted_length() const;
  std::int64_t deleted_length() const;

  // Where position `pos` of the old document ends up in the new one; `assoc` < 0 keeps it before
  // text inserted exactly there, otherwise after (CodeMirror's ChangeDesc.mapPos, simple mode).
  std::int64_t map_pos(std::int64_t pos, int assoc = -1) const;

  // Change set applying to the document after `other`; `before` orders this one first at ties.
  change_set map(const change_set& other, bool before = false) const;
  // The same, written into `out` (neither this nor `other`), reusing its storage.
  void map_into(const change_set& other, bool before, change_set& out) const;
  // This change set followed by `other` (which starts in this one's result).
  change_set compose(const change_set& other) const;

  const section_list& sections() const { return sections_; }
  // Inserted text of the section pair starting at sections()[2*k] (empty when none).
  const std::u16string& inserted(std::size_t k) const;

  // Calls f(from_a, to_a, from_b, to_b, inserted_text) for each changed range; adjacent sections
  // are merged unless `individual`.
  template <class F>
  void iter_changes(F&& f, bool individual = false) const {
    std::int64_t pos_a = 0, pos_b = 0;
    for (std::size_t i = 0; i < sections_.size();) {
      std::int64_t len = sections_[i], ins = sections_[i + 1];
      i += 2;
      if (ins < 0) {
        pos_a += len;
        pos_b += len;
        continue;
      }
      std::int64_t end_a = pos_a, end_b = pos_b;
      std::u16string text;
      for (;;) {
        end_a += len;
        end_b += ins;
        if (ins) text += inserted((i - 2) >> 1);
        if (individual || i == sections_.size() || sections_[i + 1] < 0) break;
        len = sections_[i];
        ins = sections_[i + 1];
        i += 2;
      }
      f(pos_a, end_a, pos_b, end_b, text);
      pos_a = end_a;
      pos_b = end_b;
    }
  }

  bool operator==(const change_set& o) const;

private:
  section_list sections_;
  insert_list inserted_;
};

}  // namespace coplan::text
