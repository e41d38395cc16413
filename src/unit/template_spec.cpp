// Loading and checking unit templates (see template_spec.hpp).
#include "unit/template_spec.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "text/coded_error.hpp"

namespace coplan::unit {

namespace {

field_kind kind_of(const std::string& k) {
  static const std::map<std::string, field_kind> kinds{
      {"text", field_kind::text},     {"line", field_kind::line},     {"integer", field_kind::integer},
      {"date", field_kind::date},     {"choice", field_kind::choice}, {"codes", field_kind::codes},
      {"member", field_kind::member}, {"list", field_kind::list}};
  auto it = kinds.find(k);
  if (it == kinds.end()) throw std::runtime_error("template: unknown field kind " + k);
  return it->second;
}

field_spec field_of(const nlohmann::json& f, const std::string& phase, const std::string& section) {
  field_spec s;
  s.id = f.at("id").get<std::string>();
  s.label = f.value("label", s.id);
  s.kind = kind_of(f.value("kind", "text"));
  s.options = f.value("options", "");
  s.min = f.value("min", 0);
  s.max = f.value("max", s.kind == field_kind::line ? 200 : 0);
  s.phase = f.value("phase", phase);
  s.section = section;
  s.list = f.value("list", "");
  static const std::regex id_re("^[a-z][a-z0-9_]{0,39}$");
  if (!std::regex_match(s.id, id_re)) throw std::runtime_error("template: bad field id " + s.id);
  return s;
}

[[noreturn]] void bad_value(const field_spec& f, const std::string& why) {
  throw coded_error("bad_value", "value for " + f.id + " " + why);
}

}  // namespace

bool is_scalar(field_kind k) { return k != field_kind::text && k != field_kind::list; }

const field_spec* list_spec::field(const std::string& id) const {
  for (const auto& f : fields)
    if (f.id == id) return &f;
  return nullptr;
}

std::shared_ptr<const template_spec> template_spec::from_json(const nlohmann::json& j) {
  auto t = std::make_shared<template_spec>();
  t->id_ = j.at("id").get<std::string>();
  t->name_ = j.value("name", t->id_);
  t->source_ = j;
  t->source_text_ = j.dump();
  if (j.contains("choices"))
    for (const auto& [name, list] : j.at("choices").items())
      for (const auto& c : list) t->choices_[name].push_back(c.at("id").get<std::string>());
  if (j.contains("unit_fields"))
    for (const auto& f : j.at("unit_fields")) t->unit_fields_.push_back(field_of(f, "", ""));
  if (j.contains("lists"))
    for (const auto& [id, l] : j.at("lists").items()) {
      list_spec ls{id, l.value("label", id), {}};
      for (const auto& f : l.at("fields")) {
        auto spec = field_of(f, "", id);
        if (spec.kind == field_kind::list) throw std::runtime_error("template: lists cannot nest");
        ls.fields.push_back(spec);
      }
      t->lists_[id] = std::move(ls);
    }
  for (const auto& phase : j.at("phases")) {
    auto pid = phase.at("id").get<std::string>();
    t->phases_.insert(pid);
    for (const auto& section : phase.at("sections")) {
      auto sid = section.at("id").get<std::string>();
      t->sections_.insert(sid);
      for (const auto& f : section.at("fields")) {
        auto spec = field_of(f, pid, sid);
        if (spec.kind == field_kind::list) {
          if (!t->lists_.count(spec.list)) throw std::runtime_error("template: unknown list " + spec.list);
          continue;
        }
        if (t->unit_field(spec.id)) throw std::runtime_error("template: duplicate field " + spec.id);
        t->unit_fields_.push_back(spec);
      }
    }
  }
  auto check_choices = [&](const std::vector<field_spec>& fields) {
    for (const auto& f : fields)
      if ((f.kind == field_kind::choice || f.kind == field_kind::codes) && !t->choices_.count(f.options))
        throw std::runtime_error("template: unknown choice list " + f.options);
  };
  check_choices(t->unit_fields_);
  for (const auto& [id, l] : t->lists_) check_choices(l.fields);
  return t;
}

std::shared_ptr<const template_spec> template_spec::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read template " + path);
  return from_json(nlohmann::json::parse(in));
}

const field_spec* template_spec::unit_field(const std::string& id) const {
  for (const auto& f : unit_fields_)
    if (f.id == id) return &f;
  return nullptr;
}

const list_spec* template_spec::list(const std::string& id) const {
  auto it = lists_.find(id);
  return it == lists_.end() ? nullptr : &it->second;
}

void template_spec::validate_value(const field_spec& f, const nlohmann::json& v) const {
  if (v.is_null()) return;
  switch (f.kind) {
    case field_kind::line:
      if (!v.is_string()) bad_value(f, "must be a string");
      if (static_cast<std::int64_t>(v.get_ref<const std::string&>().size()) > f.max) bad_value(f, "is too long");
      return;
    case field_kind::integer: {
      if (!v.is_number_integer()) bad_value(f, "must be a whole number");
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(f.max))
        bad_value(f, "is out of range");
      auto n = v.get<std::int64_t>();
      if (n < f.min || n > f.max) bad_value(f, "is out of range");
      return;
    }
    case field_kind::member:
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 0xffffffffLL)
        bad_value(f, "must be a member's id");
      return;
    case field_kind::date: {
      static const std::regex date_re("^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$");
      if (!v.is_string() || !std::regex_match(v.get_ref<const std::string&>(), date_re))
        bad_value(f, "must be a date YYYY-MM-DD");
      return;
    }
    case field_kind::choice: {
      if (!v.is_string()) bad_value(f, "must be one of the choices");
      const auto& list = choices_.at(f.options);
      if (std::find(list.begin(), list.end(), v.get<std::string>()) == list.end())
        bad_value(f, "must be one of the choices");
      return;
    }
    case field_kind::codes: {
      if (!v.is_array() || v.size() > 200) bad_value(f, "must be a list of codes");
      const auto& list = choices_.at(f.options);
      std::set<std::string> seen;
      for (const auto& c : v) {
        if (!c.is_string()) bad_value(f, "must be a list of codes");
        const auto& s = c.get_ref<const std::string&>();
        if (std::find(list.begin(), list.end(), s) == list.end()) bad_value(f, "holds an unknown code " + s.substr(0, 20));
        if (!seen.insert(s).second) bad_value(f, "holds a code twice");
      }
      return;
    }
    default:
      bad_value(f, "is not a scalar field");
  }
}

std::shared_ptr<const template_set> template_set::load_dir(const std::string& dir) {
  auto set = std::make_shared<template_set>();
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    auto j = nlohmann::json::parse(in);
    if (e.path().filename() == "expertise.json") {
      set->expertise_ = j.at("areas");
      continue;
    }
    if (e.path().filename() == "reflection.json") {
      set->reflection_ = j;
      continue;
    }
    if (!j.contains("phases")) continue;  // data files that are not templates
    set->add(template_spec::from_json(j));
  }
  if (set->all().empty()) throw std::runtime_error("no templates found in " + dir);
  return set;
}

std::set<std::string> template_set::expertise_ids() const {
  std::set<std::string> ids;
  for (const auto& a : expertise_) ids.insert(a.at("id").get<std::string>());
  return ids;
}

std::shared_ptr<const template_spec> template_set::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

}  // namespace coplan::unit
