// Fuzzes unit::unit_doc with a sequence of structure commands (add/remove/restore/move blocks, set
// values, comments, tags) and text pushes (at the head, stale ones that are rebased, bad ones)
// decoded from the input bytes, on a unit of one of the templates in templates/ (the default, ubd,
// most often). Commands are built as JSON and go through command::from_json, as the server's do.
// Refusals may only be coded_error with a documented code and must change nothing. After every
// step the unit must be consistent (limits held, every block has its text streams, author runs
// cover each text, tags stay inside their text, replies belong to a thread). A unit restored from
// a snapshot taken before a step (at random) must decide that step and every later one as the live
// unit does, and replaying the accepted ops as the op log stores them onto a fresh unit must give
// the same state.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "text/coded_error.hpp"
#include "text/utf16.hpp"
#include "unit/command.hpp"
#include "unit/template_spec.hpp"
#include "unit/unit_doc.hpp"

using namespace coplan;
using namespace coplan::unit;
using nlohmann::json;

namespace {

constexpr std::initializer_list<std::string_view> command_codes{
    "unknown_block", "unknown_list", "block_removed", "not_removed", "duplicate_id", "unknown_field", "bad_value",
    "too_large", "unknown_comment", "bad_command", "unknown_tag", "not_allowed", "unknown_stream", "bad_version",
    "stale_version"};
constexpr std::initializer_list<std::string_view> push_codes{
    "unknown_stream", "bad_version", "length_mismatch", "split_surrogate", "too_large", "bad_message"};

struct fixture {
  std::shared_ptr<const template_spec> spec;
  std::vector<std::string> lists;     // list ids, plus one the template does not have
  std::vector<std::string> fields;    // every field id of the template, plus one it does not have
  std::vector<std::string> sections;  // section and phase ids
};

const std::vector<fixture>& fixtures() {
  static const std::vector<fixture> all = [] {
    std::vector<fixture> out;
    for (const char* name : {"ubd", "lesson", "planning-form"}) {
      fixture f;
      f.spec = template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/" + name + ".json");
      for (const auto& [id, l] : f.spec->lists()) {
        f.lists.push_back(id);
        for (const auto& fs : l.fields) f.fields.push_back(fs.id);
      }
      f.lists.push_back("villains");
      for (const auto& fs : f.spec->unit_fields()) f.fields.push_back(fs.id);
      f.fields.push_back("nope");
      for (const auto& p : f.spec->source().at("phases")) {
        f.sections.push_back(p.at("id").get<std::string>());
        for (const auto& s : p.at("sections")) f.sections.push_back(s.at("id").get<std::string>());
      }
      out.push_back(std::move(f));
    }
    return out;
  }();
  return all;
}

// Ids a step names: mostly one of the few of its kind (so later steps find what earlier ones made),
// sometimes any of these, rarely random printable ASCII.
const std::vector<std::string> block_ids{"lesson1", "lesson2", "res-one"};
const std::vector<std::string> comment_ids{"thread1", "reply01", "thread2"};
const std::vector<std::string> tag_ids{"tag-one", "tag-two"};
const std::vector<std::string> ids{"lesson1", "lesson2", "res-one", "res_two", "thread1", "reply01", "tag-one",
                                   "tag-two", "x",       "unit",    "bad id!", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"};
const std::vector<std::string> strings{"", "7", "Grade 7", "2026-03-15", "2026-02-31", "2026-13-01", "teaming",
                                       "station", "book", "database", "plan", "assess", "I.A.1", "inquiry",
                                       "caf\xc3\xa9 \xf0\x9f\x98\x80", std::string(250, 'w'), "  \n"};
const std::vector<std::string> codes{"I.A.1", "I.B.2", "I.D.1", "I.A.9"};
const std::vector<std::string> areas{"inquiry", "content", "reading", "", "astrology"};
const std::vector<std::string> clients{"alice", "bob", "carol"};
const std::vector<std::u16string> pieces{u"a", u"hello", u"\n", u"\U0001F600", u"\u00e9", u"ab\ncd", u"", u"xyzzy "};

template <class T>
const T& pick(FuzzedDataProvider& in, const std::vector<T>& from) {
  return from[in.ConsumeIntegralInRange<std::size_t>(0, from.size() - 1)];
}

std::string any_id(FuzzedDataProvider& in, const std::vector<std::string>& likely = ids) {
  auto r = in.ConsumeIntegralInRange(0, 15);
  if (r < 12) return pick(in, likely);
  if (r == 15) {
    std::string s = in.ConsumeRandomLengthString(40);
    for (auto& c : s) c = static_cast<char>(0x20 + (static_cast<unsigned char>(c) % 95));  // printable ASCII
    return s;
  }
  return pick(in, ids);
}

json any_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 10)) {
    case 0: return nullptr;
    case 1: return in.ConsumeIntegralInRange<std::int64_t>(-5, 2100);
    case 2: return std::uint64_t{0xffffffffffffffffULL};
    case 3: return std::int64_t{INT64_MIN};
    case 4: return 1.5;
    case 5: return pick(in, strings);
    case 6: {
      auto a = json::array();
      for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) a.push_back(pick(in, codes));
      if (in.ConsumeBool()) a.push_back(7);
      return a;
    }
    case 7: return in.ConsumeBool();
    case 8: return json::object({{"nested", json::array({1, 2})}});
    case 9: return std::vector<std::uint64_t>{1, 2, 3, 0, 0xffffffffULL, 0x100000000ULL}[in.ConsumeIntegralInRange(0, 5)];
    default: return pick(in, strings).substr(0, 3);
  }
}

json any_target(FuzzedDataProvider& in, const fixture& f, const unit_doc& doc) {
  switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0: return pick(in, f.sections);
    case 1: return "unit";
    case 2: {
      if (doc.streams().empty()) return "unit.goals";
      auto it = doc.streams().begin();
      std::advance(it, in.ConsumeIntegralInRange<std::size_t>(0, doc.streams().size() - 1));
      return it->first;
    }
    case 3: return nullptr;
    default: return any_id(in);
  }
}

json any_command(FuzzedDataProvider& in, const fixture& f, const unit_doc& doc) {
  json c = json::object();
  auto maybe = [&](const char* key, json v) {
    if (in.ConsumeIntegralInRange(0, 15)) c[key] = std::move(v);  // sometimes missing
  };
  switch (in.ConsumeIntegralInRange(0, 10)) {
    case 0:
    case 1: {
      c["op"] = "add_block";
      maybe("list", pick(in, f.lists));
      maybe("id", any_id(in, block_ids));
      c["after"] = in.ConsumeBool() ? json(nullptr) : json(any_id(in, block_ids));
      if (in.ConsumeIntegralInRange(0, 2) == 0) {
        json values = json::object();
        for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n) values[pick(in, f.fields)] = any_value(in);
        c["values"] = in.ConsumeIntegralInRange(0, 5) ? values : json(5);
      }
      break;
    }
    case 2:
      c["op"] = in.ConsumeBool() ? "remove_block" : "restore_block";
      maybe("id", any_id(in, block_ids));
      break;
    case 3:
      c["op"] = "move_block";
      maybe("id", any_id(in, block_ids));
      c["after"] = in.ConsumeBool() ? json(nullptr) : json(any_id(in, block_ids));
      break;
    case 4:
    case 5:
      c["op"] = "set";
      maybe("block", in.ConsumeBool() ? json("unit") : json(any_id(in, block_ids)));
      maybe("field", pick(in, f.fields));
      maybe("value", any_value(in));
      break;
    case 6:
      c["op"] = "add_comment";
      maybe("id", any_id(in, comment_ids));
      maybe("target", any_target(in, f, doc));
      c["parent"] = in.ConsumeBool() ? json(nullptr) : json(any_id(in, comment_ids));
      maybe("text", in.ConsumeBool() ? pick(in, strings) : std::string(in.ConsumeIntegralInRange(3990, 4010), 'c'));
      break;
    case 7:
      c["op"] = "resolve_comment";
      maybe("id", any_id(in, comment_ids));
      if (in.ConsumeBool()) c["resolved"] = in.ConsumeIntegralInRange(0, 4) ? json(in.ConsumeBool()) : json("yes");
      break;
    case 8: {
      c["op"] = "add_tag";
      maybe("id", any_id(in, tag_ids));
      maybe("area", pick(in, areas));
      if (in.ConsumeIntegralInRange(0, 3) == 0) {
        // A passage of a text field.
        auto target = any_target(in, f, doc);
        const auto* s = target.is_string() ? doc.find_stream(target.get<std::string>()) : nullptr;
        auto size = s ? static_cast<std::int64_t>(s->text.size()) : 0;
        c["target"] = target;
        c["from"] = in.ConsumeIntegralInRange<std::int64_t>(-1, size);
        c["to"] = in.ConsumeIntegralInRange<std::int64_t>(-1, size + 1);
        // The field version the positions are in (the server carries them to the head).
        if (in.ConsumeBool()) {
          auto v = s ? static_cast<std::int64_t>(s->version) : 0;
          c["version"] = in.ConsumeIntegralInRange<std::int64_t>(in.ConsumeBool() ? -1 : 0, v + 1);
        }
      } else {
        maybe("target", in.ConsumeBool() ? json(pick(in, f.sections)) : any_target(in, f, doc));
      }
      if (in.ConsumeIntegralInRange(0, 7) == 0) c["by"] = any_value(in);
      break;
    }
    case 9:
      c["op"] = in.ConsumeBool() ? "acknowledge_tag" : "remove_tag";
      maybe("id", any_id(in, tag_ids));
      if (in.ConsumeBool()) c["acknowledged"] = in.ConsumeBool();
      break;
    default:
      c["op"] = in.ConsumeBool() ? "explode" : "add_lesson";
      break;
  }
  return c;
}

// Changes over a document of `length` units: keeps, deletions, replacements and inserts.
json any_changes(FuzzedDataProvider& in, std::int64_t length) {
  auto parts = json::array();
  std::int64_t pos = 0;
  for (int n = 0; pos < length || (n == 0 && in.ConsumeBool()); ++n) {
    std::int64_t rest = length - pos;
    std::int64_t len = rest > 0 ? in.ConsumeIntegralInRange<std::int64_t>(0, rest) : 0;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0:
        parts.push_back(len);
        break;
      case 1:
        parts.push_back(json::array({len}));
        break;
      default: {
        auto part = json::array({len});
        std::u16string line;
        for (int k = in.ConsumeIntegralInRange(1, 3); k > 0; --k) line += pick(in, pieces);
        part.push_back(text::utf16_to_utf8(line));
        if (in.ConsumeIntegralInRange(0, 3) == 0) part.push_back("second line");
        parts.push_back(std::move(part));
      }
    }
    pos += len;
    if ((in.remaining_bytes() == 0 || n == 30) && pos < length) {
      parts.push_back(length - pos);
      break;
    }
  }
  if (in.ConsumeIntegralInRange(0, 15) == 0) parts.push_back(1);  // one unit too many
  return parts;
}

// The length of `stream` at `version`, from the updates the unit still keeps (else its length now).
std::int64_t length_at(const unit_doc& doc, const std::string& stream, std::uint64_t version) {
  const auto* s = doc.find_stream(stream);
  if (!s) return 0;
  std::vector<std::shared_ptr<const text_update>> since;
  if (doc.text_updates_since(stream, version, since) && !since.empty()) return since.front()->changes.length();
  return static_cast<std::int64_t>(s->text.size());
}

bool well_formed(const text::text_buffer& t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (text::is_high_surrogate(t.at(i))) {
      if (i + 1 == t.size() || !text::is_low_surrogate(t.at(i + 1))) return false;
      ++i;
    } else if (text::is_low_surrogate(t.at(i))) {
      return false;
    }
  }
  return true;
}

// The invariants a unit keeps whatever it is sent.
void check_doc(const unit_doc& doc, std::uint64_t commands, std::uint64_t ops) {
  const auto& spec = doc.spec();
  const auto& lim = doc.limits();
  FUZZ_CHECK(doc.structure_version() == commands);
  FUZZ_CHECK(doc.total_ops() == ops);
  std::set<std::string> block_ids;
  for (const auto& [list_id, blocks] : doc.lists()) {
    const auto* ls = spec.list(list_id);
    FUZZ_CHECK(ls);
    FUZZ_CHECK(blocks.size() <= lim.max_blocks_per_list);
    for (const auto& b : blocks) {
      FUZZ_CHECK(b.list == list_id);
      FUZZ_CHECK(valid_block_id(b.id) && b.id != "unit");
      FUZZ_CHECK(block_ids.insert(b.id).second);
      for (const auto& f : ls->fields)
        if (f.kind == field_kind::text) FUZZ_CHECK(doc.find_stream(unit_doc::stream_id(b.id, f.id)));
      for (const auto& [k, v] : b.values) {
        const auto* f = ls->field(k);
        FUZZ_CHECK(f && is_scalar(f->kind) && !v.is_null());
        spec.validate_value(*f, v);  // throws coded_error (a crash here) if a stored value does not fit
      }
    }
  }
  for (const auto& [k, v] : doc.unit_values()) {
    const auto* f = spec.unit_field(k);
    FUZZ_CHECK(f && is_scalar(f->kind) && !v.is_null());
    spec.validate_value(*f, v);
  }
  FUZZ_CHECK(doc.comments().size() <= lim.max_comments);
  std::set<std::string> comment_ids;
  for (const auto& c : doc.comments()) {
    FUZZ_CHECK(comment_ids.insert(c.id).second);
    if (!c.parent.empty()) {
      const comment_entry* parent = nullptr;
      for (const auto& p : doc.comments())
        if (p.id == c.parent) parent = &p;
      FUZZ_CHECK(parent && parent->parent.empty() && parent->target == c.target);
    }
  }
  FUZZ_CHECK(doc.tags().size() <= lim.max_comments);
  for (const auto& t : doc.tags()) {
    if (t.from < 0) continue;
    const auto* s = doc.find_stream(t.target);
    FUZZ_CHECK(s);
    FUZZ_CHECK(t.from <= t.to && t.to <= static_cast<std::int64_t>(s->text.size()));
  }
  for (const auto& [id, s] : doc.streams()) {
    FUZZ_CHECK(static_cast<std::int64_t>(s.text.size()) <= lim.max_field_length);
    FUZZ_CHECK(s.authors.total() == s.text.size());
    const auto& runs = s.authors.runs();
    for (std::size_t i = 0; i < runs.size(); ++i) {
      FUZZ_CHECK(runs[i].length > 0);
      if (i) FUZZ_CHECK(runs[i - 1].author != runs[i].author);
    }
    FUZZ_CHECK(s.recent.size() <= lim.recent_kept && s.recent.size() <= s.version);
    FUZZ_CHECK(well_formed(s.text));
  }
}

// One op as the op log stores it.
struct logged_op {
  bool text = false;
  std::string stream;
  std::uint64_t version = 0;
  std::string client_id;
  std::uint64_t seq = 0;
  std::uint32_t author = 0;
  std::int64_t time = 0;
  std::string payload;
};

struct unit_under_test {
  const fixture* f = nullptr;
  unit_limits limits;
  std::set<std::uint32_t> members;
  std::set<std::string> areas;

  unit_doc fresh() const {
    unit_doc d(f->spec, limits);
    d.set_members(members);
    d.set_expertise_areas(areas);
    if (f->spec->unit_field("title")) d.set_initial_value("title", "Fuzz unit");
    return d;
  }
  unit_doc restore(const unit_doc& from) const { return restore_json(from.to_json()); }
  unit_doc restore_json(const json& snapshot) const {
    unit_doc d = unit_doc::from_json(f->spec, limits, json::parse(snapshot.dump()));
    d.set_members(members);
    d.set_expertise_areas(areas);
    return d;
  }
};

// Applies one logged op to `doc` the way the server's restore and history replay do.
void replay(unit_doc& doc, const logged_op& op) {
  if (op.text) {
    std::vector<incoming_update> one(1);
    one[0].client_id = op.client_id;
    one[0].seq = op.seq;
    one[0].changes = text::change_set::from_json(json::parse(op.payload), INT64_MAX / 4, INT64_MAX / 4);
    one[0].changes_json = op.payload;
    std::vector<std::shared_ptr<const text_update>> accepted;
    FUZZ_CHECK(doc.push(op.stream, op.version, std::move(one), op.author, op.time, accepted) ==
               unit_doc::push_outcome::applied);
    FUZZ_CHECK(accepted.size() == 1);
  } else {
    FUZZ_CHECK(op.version == doc.structure_version());
    doc.apply(command::from_json(json::parse(op.payload)), op.client_id, op.seq, op.author, op.time);
  }
}

// What happened to one step: "" when it was applied, else the error code.
struct outcome {
  std::string code;
  std::size_t accepted = 0;
  bool stale = false;
  bool operator==(const outcome&) const = default;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto& all = fixtures();
  unit_under_test u;
  auto which = in.ConsumeIntegralInRange<std::size_t>(0, all.size() + 3);  // ubd (all[0]) most often
  u.f = &all[which < 5 ? 0 : which - 4];
  u.limits.max_field_length = 300;
  u.limits.max_updates_per_push = 4;
  u.limits.max_blocks_per_list = 5;
  u.limits.max_comments = 5;
  u.limits.recent_kept = 4;
  u.limits.rebase_stale = in.ConsumeIntegralInRange(0, 7) != 0;
  if (in.ConsumeBool()) u.members = {1, 2};
  if (in.ConsumeBool()) u.areas = {"inquiry", "content", "reading"};

  unit_doc doc = u.fresh();
  std::optional<unit_doc> shadow;  // restored from a snapshot part way; must behave as `doc`
  std::vector<logged_op> log;
  std::uint64_t commands = 0, ops = 0;
  std::int64_t time = 1000;
  std::uint64_t seq = 0;
  check_doc(doc, 0, 0);

  for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) {
    ++time;
    ++seq;
    std::uint32_t author = std::vector<std::uint32_t>{1, 2, 1, 2, 3}[in.ConsumeIntegralInRange(0, 4)];
    const auto& client = pick(in, clients);
    auto kind = in.ConsumeIntegralInRange(0, 9);

    if (in.ConsumeIntegralInRange(0, 3) == 0) {
      // Snapshot and restore (what a server restart does): the restored unit, as shadow, must
      // decide this step and the next ones as the live unit does.
      auto snapshot = doc.to_json();
      if (shadow) FUZZ_CHECK(shadow->to_json() == snapshot);  // the one it replaces kept up
      shadow.emplace(u.restore_json(snapshot));
      FUZZ_CHECK(shadow->to_json() == snapshot);
    }
    // What a refused step must leave as it was (the whole unit is costly to compare every step).
    auto state_of = [](const unit_doc& d, const std::string& stream) {
      json j{{"structure", d.structure_json()}, {"streams", d.streams().size()}, {"ops", d.total_ops()}};
      if (d.find_stream(stream)) j["stream"] = d.stream_json(stream);
      return j;
    };
    if (kind == 9) {
      // Copy for next year: a fresh unit with the plan, no removed blocks, no history.
      auto copy = doc.copy_for_reuse();
      FUZZ_CHECK(copy.structure_version() == 0 && copy.comments().empty());
      for (const auto& [id, s] : copy.streams()) FUZZ_CHECK(s.version == 0 && s.authors.total() == s.text.size());
      for (const auto& [list_id, blocks] : copy.lists())
        for (const auto& b : blocks) FUZZ_CHECK(!b.removed);
      auto copy_json = copy.to_json();
      FUZZ_CHECK(unit_doc::from_json(u.f->spec, u.limits, json::parse(copy_json.dump())).to_json() == copy_json);
      continue;
    }

    outcome got;
    json before;
    std::string touched;  // the text field a push goes to
    if (kind >= 6) {
      // A push to one text field.
      std::string stream;
      if (in.ConsumeIntegralInRange(0, 15) == 0 || doc.streams().empty()) {
        stream = in.ConsumeBool() ? "unit.nope" : "lesson1.title";
      } else {
        auto it = doc.streams().begin();
        std::advance(it, in.ConsumeIntegralInRange<std::size_t>(0, doc.streams().size() - 1));
        stream = it->first;
      }
      touched = stream;
      before = state_of(doc, stream);
      const auto* s = doc.find_stream(stream);
      std::uint64_t head = s ? s->version : 0;
      std::uint64_t version = head;
      auto back = in.ConsumeIntegralInRange(0, 7);
      if (back == 7) version = head + 1;
      else if (back >= 4) version = head - std::min<std::uint64_t>(head, back - 3);
      std::vector<incoming_update> updates;
      std::int64_t length = length_at(doc, stream, version);
      for (int n = in.ConsumeIntegralInRange(0, 15) == 0 ? 5 : in.ConsumeIntegralInRange(1, 3); n > 0; --n) {
        incoming_update up;
        up.client_id = pick(in, clients);
        up.seq = seq;
        auto changes = any_changes(in, length);
        try {
          up.changes = text::change_set::from_json(changes, u.limits.max_field_length, u.limits.max_field_length);
        } catch (const coded_error& e) {
          fuzz::expect_code(e, {"too_large", "bad_changes"}, "change_set::from_json");
          continue;
        }
        if (in.ConsumeBool()) up.changes_json = changes.dump();
        length = up.changes.new_length();
        updates.push_back(std::move(up));
      }
      const bool at_head = version == head;
      std::vector<incoming_update> for_shadow = updates;
      std::vector<std::shared_ptr<const text_update>> accepted;
      try {
        got.stale = doc.push(stream, version, std::move(updates), author, time, accepted) == unit_doc::push_outcome::stale;
        got.accepted = accepted.size();
      } catch (const coded_error& e) {
        fuzz::expect_code(e, push_codes, "unit_doc::push");
        got.code = e.code();
      }
      if (!got.code.empty() || got.stale) FUZZ_CHECK(accepted.empty());
      for (const auto& a : accepted) {
        log.push_back({true, a->stream, a->version, a->client_id, a->seq, a->author, a->time, a->changes_json});
        ++ops;
      }
      if (shadow) {
        if (at_head || version > head) {
          outcome theirs;
          std::vector<std::shared_ptr<const text_update>> shadow_accepted;
          try {
            theirs.stale = shadow->push(stream, version, std::move(for_shadow), author, time, shadow_accepted) ==
                           unit_doc::push_outcome::stale;
            theirs.accepted = shadow_accepted.size();
          } catch (const coded_error& e) {
            theirs.code = e.code();
          }
          if (!(theirs == got))
            std::fprintf(stderr, "push to %s at %llu\nlive unit: %s (%zu accepted), restored unit: %s (%zu accepted)\n",
                         stream.c_str(), static_cast<unsigned long long>(version), got.code.c_str(), got.accepted,
                         theirs.code.c_str(), theirs.accepted);
          FUZZ_CHECK(theirs == got);
        } else {
          // A restored unit no longer has the updates a stale push rebases over: it takes the
          // accepted updates as the op log holds them.
          for (auto it = log.end() - static_cast<std::ptrdiff_t>(accepted.size()); it != log.end(); ++it)
            replay(*shadow, *it);
        }
      }
    } else {
      // A structure command.
      before = state_of(doc, touched);
      auto j = any_command(in, *u.f, doc);
      std::optional<command> cmd;
      try {
        cmd = command::from_json(j);
        // The op log stores cmd.to_json() and reads it back with command::from_json.
        auto stored = cmd->to_json().dump();
        FUZZ_CHECK(command::from_json(json::parse(stored)).to_json().dump() == stored);
      } catch (const coded_error& e) {
        fuzz::expect_code(e, {"bad_command"}, "command::from_json");
        continue;
      }
      try {
        auto update = doc.apply(*cmd, client, seq, author, time);
        FUZZ_CHECK(update->version == commands);
        log.push_back({false, "", update->version, client, seq, author, time, update->cmd.to_json().dump()});
        ++commands;
        ++ops;
      } catch (const coded_error& e) {
        fuzz::expect_code(e, command_codes, "unit_doc::apply");
        got.code = e.code();
      }
      const auto* tagged = cmd->version >= 0 ? doc.find_stream(cmd->target) : nullptr;
      if (shadow && tagged && static_cast<std::uint64_t>(cmd->version) < tagged->version) {
        // A passage tagged at an older version: a restored unit no longer has the updates it is
        // carried through, so it takes the command as the op log holds it (or nothing, if refused).
        if (got.code.empty()) replay(*shadow, log.back());
      } else if (shadow) {
        outcome theirs;
        try {
          shadow->apply(*cmd, client, seq, author, time);
        } catch (const coded_error& e) {
          theirs.code = e.code();
        }
        if (!(theirs == got))
          std::fprintf(stderr, "by %u: %s\nlive unit: %s, restored unit: %s\n", author, j.dump().c_str(),
                       got.code.empty() ? "applied" : got.code.c_str(), theirs.code.empty() ? "applied" : theirs.code.c_str());
        FUZZ_CHECK(theirs == got);
      }
    }
    if (!got.code.empty() || got.stale || (got.accepted == 0 && kind >= 6)) FUZZ_CHECK(state_of(doc, touched) == before);
    check_doc(doc, commands, ops);
  }

  if (shadow) FUZZ_CHECK(shadow->to_json() == doc.to_json());
  // The op log, replayed onto the unit as it was created, gives the same unit.
  unit_doc again = u.fresh();
  for (const auto& op : log) replay(again, op);
  FUZZ_CHECK(again.to_json() == doc.to_json());
  // And a snapshot of the end state restores to it.
  FUZZ_CHECK(u.restore(doc).to_json() == doc.to_json());
  return 0;
}
