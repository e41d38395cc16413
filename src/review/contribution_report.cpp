// Contribution figures (see contribution_report.hpp).
#include "review/contribution_report.hpp"

#include <set>

namespace coplan::review {

namespace {

using nlohmann::json;

std::string key(std::uint32_t id) { return std::to_string(id); }

// Phase, section and label of every section of the template, in order.
struct section_info {
  std::string phase, phase_label, section, label;
};

std::vector<section_info> sections_of(const json& tpl) {
  std::vector<section_info> out;
  for (const auto& p : tpl["phases"])
    for (const auto& s : p["sections"]) out.push_back({p["id"], p["label"], s["id"], s["label"]});
  return out;
}

}  // namespace

json contribution_report::place_of(const unit::unit_doc& doc, const std::string& stream) {
  const auto& tpl = doc.spec().source();
  auto dot = stream.find('.');
  std::string block = stream.substr(0, dot), field = stream.substr(dot + 1);
  auto find_section = [&](auto pred) -> json {
    for (const auto& p : tpl["phases"])
      for (const auto& s : p["sections"])
        for (const auto& f : s["fields"])
          if (pred(p, f)) return {{"phase", p["id"]}, {"section", s["id"]}, {"label", s["label"]}};
    return nullptr;
  };
  if (block == "unit") return find_section([&](const json&, const json& f) { return f["id"] == field; });
  const auto* b = doc.find_block(block);
  if (!b) return nullptr;
  const auto* ls = doc.spec().list(b->list);
  const auto* fs = ls ? ls->field(field) : nullptr;
  std::string phase = fs ? fs->phase : "";
  // The section showing this list in the field's phase (lessons' co-teaching fields live in the
  // teach tab), else the first section showing the list.
  auto shows = [&](const json& f) { return f.value("kind", "") == "list" && f.value("list", "") == b->list; };
  json exact = find_section([&](const json& p, const json& f) { return shows(f) && (phase.empty() || p["id"] == phase); });
  return exact.is_null() ? find_section([&](const json&, const json& f) { return shows(f); }) : exact;
}

json contribution_report::compute(const history_replay& replay, const std::vector<unit::member_info>& members,
                                  const json& expertise_list) {
  const auto& doc = replay.doc();
  const auto& tpl = doc.spec().source();
  auto zero_counts = [&] {
    json by = json::object();
    for (const auto& m : members)
      by[key(m.id)] = {{"typed", 0}, {"survives", 0}, {"deletedOwn", 0}, {"deletedPartner", 0},
                       {"edits", 0}, {"revisionsOfPartner", 0}, {"sharedSurvives", 0}};
    return by;
  };
  // Sections in template order, each with per-member figures.
  auto sections = json::array();
  std::map<std::string, std::size_t> index;
  for (const auto& s : sections_of(tpl)) {
    index[s.phase + "/" + s.section] = sections.size();
    sections.push_back({{"phase", s.phase}, {"phaseLabel", s.phase_label}, {"section", s.section}, {"label", s.label},
                        {"byUser", zero_counts()}});
  }
  json totals = zero_counts();
  auto add = [](json& counts, const char* field, std::uint64_t n) { counts[field] = counts[field].get<std::uint64_t>() + n; };

  for (const auto& [stream, s] : doc.streams()) {
    auto place = place_of(doc, stream);
    if (place.is_null()) continue;
    // A removed block keeps its streams (it can be restored), but its text is not in the unit:
    // what was typed there still counts as typed, none of it survives.
    const auto* owner = doc.find_block(stream.substr(0, stream.find('.')));
    bool in_unit = !owner || !owner->removed;
    auto& row = sections[index.at(place["phase"].get<std::string>() + "/" + place["section"].get<std::string>())]["byUser"];
    auto it = replay.counts().find(stream);
    if (it != replay.counts().end())
      for (const auto& [user, c] : it->second) {
        if (!row.contains(key(user))) continue;  // someone no longer a member
        for (json* target : {&row[key(user)], &totals[key(user)]}) {
          add(*target, "typed", c.typed);
          add(*target, "deletedOwn", c.deleted_own);
          add(*target, "deletedPartner", c.deleted_others);
          add(*target, "edits", c.edits);
          add(*target, "revisionsOfPartner", c.revisions_of_others);
        }
      }
    if (!in_unit) continue;
    for (const auto& r : s.authors.runs())
      if (row.contains(key(r.author)))
        for (json* target : {&row[key(r.author)], &totals[key(r.author)]}) add(*target, "survives", r.length);
    auto b = replay.blame().find(stream);
    if (b != replay.blame().end())
      for (const auto& span : b->second)
        if (span.revised_by && row.contains(key(span.author)))
          for (json* target : {&row[key(span.author)], &totals[key(span.author)]}) add(*target, "sharedSurvives", span.length);
  }

  // Lessons: who leads each segment, which approaches were used.
  json lessons_by = json::object();
  for (const auto& m : members)
    lessons_by[key(m.id)] = {{"segmentsLed", 0}, {"segmentsCoLed", 0}, {"segmentsSupported", 0}, {"lessonsLed", json::array()},
                             {"lessonsSupported", json::array()}};
  json approaches = json::object();
  std::uint64_t lesson_count = 0, segments_planned = 0;
  for (const auto& b : doc.list("lessons")) {
    if (b.removed) continue;
    ++lesson_count;
    std::set<std::uint32_t> led, supported;
    for (const char* seg : {"begin", "middle", "end"}) {
      auto approach = b.values.find(std::string(seg) + "_approach");
      auto lead = b.values.find(std::string(seg) + "_lead");
      if (approach != b.values.end()) {
        auto a = approach->second.get<std::string>();
        approaches[a] = approaches.value(a, 0) + 1;
      }
      if (approach == b.values.end() && lead == b.values.end()) continue;
      ++segments_planned;
      bool teaming = approach != b.values.end() && approach->second == "teaming";
      for (const auto& m : members) {
        auto& u = lessons_by[key(m.id)];
        if (teaming) u["segmentsCoLed"] = u["segmentsCoLed"].get<int>() + 1, led.insert(m.id);
        else if (lead != b.values.end() && lead->second.get<std::uint32_t>() == m.id)
          u["segmentsLed"] = u["segmentsLed"].get<int>() + 1, led.insert(m.id);
        else if (lead != b.values.end()) u["segmentsSupported"] = u["segmentsSupported"].get<int>() + 1, supported.insert(m.id);
      }
    }
    for (auto id : led) lessons_by[key(id)]["lessonsLed"].push_back(b.id);
    for (auto id : supported)
      if (!led.count(id)) lessons_by[key(id)]["lessonsSupported"].push_back(b.id);
  }

  // Expertise map.
  json labels = json::object();
  for (const auto& a : expertise_list) labels[a["id"].get<std::string>()] = a["label"];
  json expertise_by = json::object();
  for (const auto& m : members) expertise_by[key(m.id)] = {{"brought", json::object()}, {"learned", json::object()}};
  for (const auto& t : doc.tags()) {
    if (t.removed) continue;
    if (expertise_by.contains(key(t.by))) {
      auto& b = expertise_by[key(t.by)]["brought"];
      b[t.area] = b.value(t.area, 0) + 1;
    }
    for (auto who : t.acknowledged_by)
      if (expertise_by.contains(key(who))) {
        auto& l = expertise_by[key(who)]["learned"];
        l[t.area] = l.value(t.area, 0) + 1;
      }
  }

  json member_list = json::array();
  for (const auto& m : members) member_list.push_back({{"id", m.id}, {"name", m.name}, {"role", m.role}});
  json commands = json::object();
  for (const auto& m : members) {
    auto it = replay.commands().find(m.id);
    commands[key(m.id)] = it == replay.commands().end() ? 0 : it->second;
  }
  return {{"members", std::move(member_list)},
          {"ops", replay.ops()},
          {"sections", std::move(sections)},
          {"totals", std::move(totals)},
          {"commands", std::move(commands)},
          {"lessons", {{"count", lesson_count}, {"segmentsPlanned", segments_planned}, {"byUser", std::move(lessons_by)},
                       {"approaches", std::move(approaches)}}},
          {"expertise", {{"areas", labels}, {"byUser", std::move(expertise_by)}}}};
}

}  // namespace coplan::review
