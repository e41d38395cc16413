// template_spec: a unit template loaded from JSON data (templates/*.json): the unit's fields by
// phase and section, the lists of blocks it holds (lessons, resources…) and their fields, and
// the choice lists scalars use. Immutable after load; shared read-only between threads.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace coplan::unit {

enum class field_kind { text, line, integer, date, choice, codes, member, list };

struct field_spec {
  std::string id;
  std::string label;
  field_kind kind = field_kind::text;
  std::string options;  // choice list name (choice, codes)
  std::int64_t min = 0;
  std::int64_t max = 0;  // integer bounds; maximum length for line
  std::string phase;     // the phase it belongs to
  std::string section;   // the section it belongs to
  std::string list;      // kind list: which list it shows
};

struct list_spec {
  std::string id;
  std::string label;
  std::vector<field_spec> fields;
  const field_spec* field(const std::string& id) const;
};

class template_spec {
public:
  // Throws std::runtime_error when the JSON is not a valid template.
  static std::shared_ptr<const template_spec> from_json(const nlohmann::json& j);
  static std::shared_ptr<const template_spec> load_file(const std::string& path);

  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const nlohmann::json& source() const { return source_; }
  // source() serialized once: every welcome carries it.
  const std::string& source_text() const { return source_text_; }

  const field_spec* unit_field(const std::string& id) const;
  const std::vector<field_spec>& unit_fields() const { return unit_fields_; }
  const list_spec* list(const std::string& id) const;
  const std::map<std::string, list_spec>& lists() const { return lists_; }
  // Phase and section ids (comments attach to sections).
  bool has_section(const std::string& id) const { return sections_.count(id) > 0; }
  const std::set<std::string>& phases() const { return phases_; }

  // Checks a scalar value for `field` (null clears). Member fields are checked by the caller.
  // Throws coded_error("bad_value").
  void validate_value(const field_spec& field, const nlohmann::json& value) const;

private:
  std::string id_;
  std::string name_;
  std::string source_text_;
  nlohmann::json source_;
  std::vector<field_spec> unit_fields_;
  std::map<std::string, list_spec> lists_;
  std::map<std::string, std::vector<std::string>> choices_;
  std::set<std::string> sections_;
  std::set<std::string> phases_;
};

// All templates of a folder, by id. Immutable after load.
class template_set {
public:
  static std::shared_ptr<const template_set> load_dir(const std::string& dir);
  std::shared_ptr<const template_spec> find(const std::string& id) const;
  const std::map<std::string, std::shared_ptr<const template_spec>>& all() const { return by_id_; }
  void add(std::shared_ptr<const template_spec> t) { by_id_[t->id()] = std::move(t); }
  // Areas of expertise (templates/expertise.json): [{"id","label"}, …].
  const nlohmann::json& expertise() const { return expertise_; }
  std::set<std::string> expertise_ids() const;
  // The reflection prompt bank (templates/reflection.json): protocols, record prompts, facets.
  const nlohmann::json& reflection() const { return reflection_; }

private:
  std::map<std::string, std::shared_ptr<const template_spec>> by_id_;
  nlohmann::json expertise_ = nlohmann::json::array();
  nlohmann::json reflection_ = nlohmann::json::object();
};

bool is_scalar(field_kind k);

}  // namespace coplan::unit
