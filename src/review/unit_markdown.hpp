// unit_markdown: a unit plan as a clean Markdown document (phases, sections, fields, the lesson
// sequence with each lesson's co-teaching plan, resources with who curated them). Pure: reads a
// unit_doc, returns text. Comments and history are not part of the export.
#pragma once
#include <string>
#include <vector>

#include "unit/unit_authority.hpp"
#include "unit/unit_doc.hpp"

namespace coplan::review {

class unit_markdown {
public:
  static std::string render(const unit::unit_doc& doc, const std::vector<unit::member_info>& members);
};

}  // namespace coplan::review
