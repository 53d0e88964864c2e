#pragma once
// The centre of the window: a filter bar (groups, id filter, text search, column chooser) over
// the document table. It owns the table model; which rows show for a filter view comes from
// outside. The id column stays first and cannot be hidden; long ids and group names are elided
// in the middle, where names of one corpus usually differ, with the whole name as a tooltip.

#include <corpusdata.h>
#include <filterconfig.h>
#include <thresholdpanel.h>

#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QFrame;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QPushButton;
class QTableView;
class QToolButton;

namespace shardscope {

class DocumentTableModel;

class DocumentTablePage : public QWidget {
    Q_OBJECT
public:
    // Column presets by scorer family (the prefix of a column's name: zlib6, gopher_*, c4_*, ...).
    enum class ColumnPreset { All, Compression, Gopher, C4, FineWeb, LanguageModel, Language };

    explicit DocumentTablePage(QWidget* parent = nullptr);

    // The family a score column belongs to, as the chooser and the presets group it.
    static ColumnPreset columnFamily(const QString& column);
    static QString presetName(ColumnPreset preset);
    // Shows the document columns and the score columns of this family (All: every column).
    void applyColumnPreset(ColumnPreset preset);
    // Names of the score columns the table shows.
    QStringList shownScoreColumns() const;

    // The group filter: these groups only, or every group but these.
    void showOnlyGroups(const std::vector<uint32_t>& groups);
    void showAllGroupsBut(uint32_t group);
    void showAllGroups();
    // The group filter's button text ("All groups", a name, "All but …", "3 groups").
    QString groupFilterText() const;

    DocumentTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    // The id column drawn over the table's left edge while the table is scrolled sideways.
    QTableView* frozenIdColumn() const { return m_frozen; }

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
    // Selects `doc` again after a re-sort or filter, when it is still among the rows. False when
    // the rows no longer hold it (a filter removed it): whoever shows it should let it go.
    bool reselect(std::optional<uint32_t> doc);

Q_SIGNALS:
    void documentSelected(uint32_t doc);
    void statusMessage(const QString& text, int timeoutMs);
    void errorMessage(const QString& title, const QString& text);
    // The text search that filters the rows (empty: none); a viewer highlights its matches.
    void searchHighlightChanged(const QString& needle, bool caseSensitive);

private:
    void updateRowsLabel();
    void startSearch();
    void fillColumnMenu();
    void setColumnShown(int column, bool shown);
    void keepIdColumnFirst();
    // The Label column (issue 23) is shown beside the Filter verdict, not after dozens of scores.
    void placeLabelColumn();
    void updateFrozenColumn();
    bool eventFilter(QObject* watched, QEvent* event) override;
    void applyGroupChecks();
    void updateGroupButton();

    std::shared_ptr<const CorpusData> m_corpus;
    size_t m_groupsShown = 0;
    DocumentTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QTableView* m_frozen = nullptr;
    QToolButton* m_groupFilter = nullptr;
    QFrame* m_groupPopup = nullptr;
    QListWidget* m_groupList = nullptr;
    bool m_groupOthers = true; // groups a running scan finds later are shown ("all but" mode)
    QToolButton* m_columnButton = nullptr;
    QMenu* m_columnMenu = nullptr;
    QString m_highlight;
    QLineEdit* m_idFilter = nullptr;
    QLineEdit* m_search = nullptr;
    QCheckBox* m_searchCase = nullptr;
    QPushButton* m_searchButton = nullptr;
    QLabel* m_rowsLabel = nullptr;
};

} // namespace shardscope
