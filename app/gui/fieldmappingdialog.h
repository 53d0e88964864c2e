#pragma once
// Shows where records keep their text, id and group, and lets the user correct it. Opened
// when detection saw mixed layouts, and from File > Field Mapping.

#include <fieldmapping.h>

#include <QDialog>

class QLineEdit;

namespace shardscope {

class FieldMappingDialog : public QDialog {
    Q_OBJECT
public:
    FieldMappingDialog(const QStringList& inputs, const FieldMapping& detected, bool unsure, QWidget* parent = nullptr);
    FieldMapping fields() const;

private:
    QLineEdit* m_text = nullptr;
    QLineEdit* m_id = nullptr;
    QLineEdit* m_group = nullptr;
    FieldMapping m_detected;
};

} // namespace shardscope
