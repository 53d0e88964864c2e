#include "fieldmappingdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace shardscope {

FieldMappingDialog::FieldMappingDialog(const QStringList& inputs, const FieldMapping& detected, bool unsure,
                                       QWidget* parent)
    : QDialog(parent)
    , m_detected(detected)
{
    setWindowTitle(tr("Field Mapping"));
    auto* layout = new QVBoxLayout(this);
    QString intro = unsure ? tr("The first records of <b>%1</b> do not all have the same layout, so the fields "
                                "below are a guess. Check them before the scan starts.")
                           : tr("Fields of <b>%1</b>. Changing them rescans the corpus.");
    auto* label = new QLabel(intro.arg(inputs.value(0).toHtmlEscaped()), this);
    label->setWordWrap(true);
    layout->addWidget(label);
    auto* form = new QFormLayout;
    m_text = new QLineEdit(QString::fromStdString(detected.text), this);
    m_id = new QLineEdit(QString::fromStdString(detected.id), this);
    m_group = new QLineEdit(QString::fromStdString(detected.group), this);
    m_text->setObjectName(QStringLiteral("textField"));
    m_id->setObjectName(QStringLiteral("idField"));
    m_group->setObjectName(QStringLiteral("groupField"));
    m_id->setPlaceholderText(tr("empty: use the record number"));
    m_group->setPlaceholderText(tr("empty: no groups"));
    form->addRow(tr("&Text:"), m_text);
    form->addRow(tr("&Id:"), m_id);
    form->addRow(tr("&Group:"), m_group);
    layout->addLayout(form);
    QStringList candidates;
    for (const auto& c : FieldMapping::groupCandidates())
        candidates << QString::fromStdString(c);
    auto* hint = new QLabel(tr("JSON pointers (\"/meta/pile_set_name\") or dotted names (\"meta.pile_set_name\"). "
                               "Group fields detection tries: %1.")
                                .arg(candidates.join(QStringLiteral(", "))),
                            this);
    hint->setWordWrap(true);
    QFont f = hint->font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    hint->setFont(f);
    layout->addWidget(hint);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Scan"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

FieldMapping FieldMappingDialog::fields() const
{
    FieldMapping f = m_detected;
    f.text = FieldMapping::toPointer(m_text->text().trimmed().toStdString());
    const std::string id = m_id->text().trimmed().toStdString();
    f.id = id.empty() ? std::string() : FieldMapping::toPointer(id);
    const std::string group = m_group->text().trimmed().toStdString();
    f.group = group.empty() ? std::string() : FieldMapping::toPointer(group);
    f.groupDetected = false;
    f.confident = true;
    return f;
}

} // namespace shardscope
