#pragma once
// The centre of the window: a filter bar (group, id filter, text search) over the document
// table. It owns the table model; which rows show for a filter view comes from outside.

#include <corpusdata.h>
#include <filterconfig.h>
#include <thresholdpanel.h>

#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace shardscope {

class DocumentTableModel;

class DocumentTablePage : public QWidget {
    Q_OBJECT
public:
    explicit DocumentTablePage(QWidget* parent = nullptr);

    DocumentTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }

    // A new corpus (null: none): filters cleared, default column widths.
    void setCorpus(std::shared_ptr<const CorpusData> corpus);
    // Documents (and perhaps groups) were appended to the corpus.
    void documentsAppended();
    // The corpus has new groups: the group filter offers them.
    void syncGroups();
    void setKeepMask(const std::vector<uint8_t>* keep);
    // The rows of a filter view: all, kept, dropped, the borderline or a random sample of the
    // dropped ones (`sampleSize` for the last two).
    void showView(ThresholdPanel::View view, int sampleSize, const std::vector<uint8_t>& keep,
        const std::vector<FilterRule>& rules);
    // Selects `doc` again after a re-sort or filter, when it is still among the rows.
    void reselect(std::optional<uint32_t> doc);

Q_SIGNALS:
    void documentSelected(uint32_t doc);
    void statusMessage(const QString& text, int timeoutMs);
    void errorMessage(const QString& title, const QString& text);

private:
    void updateRowsLabel();
    void startSearch();

    std::shared_ptr<const CorpusData> m_corpus;
    size_t m_groupsShown = 0;
    DocumentTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QComboBox* m_groupFilter = nullptr;
    QLineEdit* m_idFilter = nullptr;
    QLineEdit* m_search = nullptr;
    QCheckBox* m_searchCase = nullptr;
    QPushButton* m_searchButton = nullptr;
    QLabel* m_rowsLabel = nullptr;
};

} // namespace shardscope
