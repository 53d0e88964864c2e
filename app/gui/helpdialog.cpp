#include "helpdialog.h"

#include <scorer.h>

#include <QAction>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>
#include <QPointer>
#include <QSet>
#include <QShortcut>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <functional>
#include <tuple>

namespace shardscope {

namespace {

// "&Open Shards…" -> "Open Shards…" ("&&" is a literal ampersand).
QString withoutMnemonic(QString text)
{
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    return text;
}

QString keysText(const QList<QKeySequence>& sequences)
{
    QStringList keys;
    for (const QKeySequence& k : sequences)
        if (!k.isEmpty())
            keys << k.toString(QKeySequence::NativeText);
    return keys.join(QStringLiteral(", "));
}

// Where a shortcut that is not in the menu bar works: the dock it lives in, else the widget's own name.
QString placeOf(const QWidget* widget, const QWidget* window, Qt::ShortcutContext context)
{
    if (!widget || widget == window || context == Qt::WindowShortcut || context == Qt::ApplicationShortcut)
        return HelpDialog::tr("Anywhere in the window");
    if (const auto* menu = qobject_cast<const QMenu*>(widget))
        return HelpDialog::tr("%1 context menu").arg(withoutMnemonic(menu->title()));
    QString name;
    for (const QWidget* w = widget; w && w != window && name.isEmpty(); w = w->parentWidget()) {
        if (const auto* dock = qobject_cast<const QDockWidget*>(w))
            name = withoutMnemonic(dock->windowTitle());
        else if (!w->accessibleName().isEmpty())
            name = w->accessibleName();
    }
    if (name.isEmpty()) {
        // "documentTable" -> "Document table"
        const QString id = widget->objectName().isEmpty() ? QString::fromLatin1(widget->metaObject()->className())
                                                          : widget->objectName();
        for (const QChar c : id) {
            if (c.isUpper() && !name.isEmpty())
                name += QLatin1Char(' ') + c.toLower();
            else
                name += name.isEmpty() ? c.toUpper() : c;
        }
    }
    return HelpDialog::tr("%1 (when it has the focus)").arg(name);
}

// The gestures the plots define, as their headers document them (histogramwidget.h, scatterwidget.h): no
// object holds them, so this list is kept beside those comments' meaning by hand.
QList<HelpDialog::Shortcut> mouseGestures()
{
    return {
        { HelpDialog::tr("Click or drag"),
            HelpDialog::tr("Places a cutoff at the pointer: the minimum left of the "
                           "median, the maximum right of it"),
            HelpDialog::tr("Histogram") },
        { HelpDialog::tr("Shift+Click"), HelpDialog::tr("Places the other cutoff"), HelpDialog::tr("Histogram") },
        { HelpDialog::tr("Drag a cutoff line"), HelpDialog::tr("Moves that cutoff"), HelpDialog::tr("Histogram") },
        { HelpDialog::tr("Ctrl+Drag"), HelpDialog::tr("Pans the view"), HelpDialog::tr("Histogram") },
        { HelpDialog::tr("Ctrl+Wheel"), HelpDialog::tr("Zooms the view (the wheel alone scrolls the plots)"),
            HelpDialog::tr("Histogram") },
        { HelpDialog::tr("Ctrl+Double-click"), HelpDialog::tr("Restores the view"), HelpDialog::tr("Histogram") },
        { HelpDialog::tr("Hover a point"), HelpDialog::tr("Shows the document in a tooltip"),
            HelpDialog::tr("Scatter") },
        { HelpDialog::tr("Click a point"), HelpDialog::tr("Opens the document in the viewer"),
            HelpDialog::tr("Scatter") },
        { HelpDialog::tr("Drag an edge of the cutoff box"), HelpDialog::tr("Moves that cutoff"),
            HelpDialog::tr("Scatter") },
        { HelpDialog::tr("Click a column header"), HelpDialog::tr("Sorts by that column (again: reverses)"),
            HelpDialog::tr("Document table") },
    };
}

QString table(const QStringList& headers, const QList<QStringList>& rows)
{
    QString html = QStringLiteral("<table cellspacing='0' cellpadding='4' border='0' width='100%'><tr>");
    for (const QString& h : headers)
        html += QStringLiteral("<th align='left'>") + h.toHtmlEscaped() + QStringLiteral("</th>");
    html += QStringLiteral("</tr>");
    for (const QStringList& row : rows) {
        html += QStringLiteral("<tr>");
        for (int c = 0; c < row.size(); ++c)
            html += (c == 0 ? QStringLiteral("<td valign='top' style='white-space:pre'><b>")
                            : QStringLiteral("<td valign='top'>"))
                + row[c].toHtmlEscaped() + (c == 0 ? QStringLiteral("</b></td>") : QStringLiteral("</td>"));
        html += QStringLiteral("</tr>");
    }
    return html + QStringLiteral("</table>");
}

} // namespace

void HelpDialog::addToMenu(QMenu* menu, QWidget* window)
{
    QAction* shortcuts
        = menu->addAction(tr("&Keyboard Shortcuts"), window, [window]() { openFor(Kind::Shortcuts, window); });
    shortcuts->setObjectName(QStringLiteral("keyboardShortcutsAction"));
    QAction* scores
        = menu->addAction(tr("What the &Scores Mean"), window, [window]() { openFor(Kind::Scores, window); });
    scores->setObjectName(QStringLiteral("scoresHelpAction"));
}

HelpDialog* HelpDialog::openFor(Kind kind, QWidget* window)
{
    HelpDialog* dialog = nullptr;
    for (HelpDialog* d : window->findChildren<HelpDialog*>(Qt::FindDirectChildrenOnly))
        if (d->kind() == kind)
            dialog = d;
    if (!dialog)
        dialog = new HelpDialog(kind, window);
    dialog->refresh();
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    return dialog;
}

HelpDialog::HelpDialog(Kind kind, QWidget* window)
    : QDialog(window)
    , m_kind(kind)
    , m_window(window)
{
    setObjectName(kind == Kind::Shortcuts ? QStringLiteral("shortcutsDialog") : QStringLiteral("scoresDialog"));
    setWindowTitle(kind == Kind::Shortcuts ? tr("Keyboard Shortcuts") : tr("What the Scores Mean"));
    setModal(false);
    auto* layout = new QVBoxLayout(this);
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("helpText"));
    m_browser->setOpenLinks(false);
    layout->addWidget(m_browser, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    layout->addWidget(buttons);
    resize(kind == Kind::Shortcuts ? QSize(720, 560) : QSize(900, 700));
}

QString HelpDialog::plainText() const
{
    return m_browser->toPlainText();
}

void HelpDialog::refresh()
{
    if (m_kind == Kind::Shortcuts) {
        m_browser->setHtml(shortcutsHtml(collectShortcuts(m_window)));
        m_ready = true;
        emit ready();
        return;
    }
    if (m_ready || m_reading)
        return; // the registry does not change while the program runs
    m_reading = true;
    m_browser->setPlainText(tr("Reading the scorers' definitions…"));
    QPointer<HelpDialog> self(this);
    QtConcurrent::run(&HelpDialog::scoresHtml).then(this, [self](const QString& html) {
        if (!self)
            return;
        self->m_reading = false;
        self->m_browser->setHtml(html);
        self->m_ready = true;
        emit self->ready();
    });
}

QList<HelpDialog::Shortcut> HelpDialog::collectShortcuts(const QWidget* window)
{
    QList<Shortcut> out;
    QSet<const QAction*> seen;
    std::function<void(const QMenu*, const QString&)> walk = [&](const QMenu* menu, const QString& path) {
        for (QAction* a : menu->actions()) {
            if (a->isSeparator())
                continue;
            seen.insert(a);
            if (const QMenu* sub = a->menu()) {
                walk(sub, path + QStringLiteral(" › ") + withoutMnemonic(sub->title()));
                continue;
            }
            const QString keys = keysText(a->shortcuts());
            if (!keys.isEmpty())
                out.push_back({ keys, withoutMnemonic(a->text()), tr("%1 menu").arg(path) });
        }
    };
    if (const auto* bar = window->findChild<QMenuBar*>(QString(), Qt::FindDirectChildrenOnly))
        for (QAction* a : bar->actions())
            if (const QMenu* menu = a->menu()) {
                seen.insert(a);
                walk(menu, withoutMnemonic(menu->title()));
            }

    // Shortcuts outside the menu bar: actions that widgets carry (a table's keys, context menus) and QShortcuts.
    QList<Shortcut> others;
    for (const QAction* a : window->findChildren<QAction*>()) {
        const QString keys = keysText(a->shortcuts());
        if (keys.isEmpty() || seen.contains(a))
            continue;
        const QWidget* owner = nullptr;
        for (const QObject* o : a->associatedObjects())
            if ((owner = qobject_cast<const QWidget*>(o)))
                break;
        if (!owner)
            owner = qobject_cast<const QWidget*>(a->parent());
        others.push_back({ keys, withoutMnemonic(a->text()), placeOf(owner, window, a->shortcutContext()) });
    }
    for (const QShortcut* s : window->findChildren<QShortcut*>()) {
        const QString keys = keysText(s->keys());
        if (keys.isEmpty())
            continue;
        const QString what = !s->whatsThis().isEmpty() ? s->whatsThis() : s->objectName();
        others.push_back({ keys, what, placeOf(qobject_cast<const QWidget*>(s->parent()), window, s->context()) });
    }
    std::stable_sort(others.begin(), others.end(),
        [](const Shortcut& a, const Shortcut& b) { return std::tie(a.where, a.what) < std::tie(b.where, b.what); });
    out += others;
    return out;
}

QString HelpDialog::shortcutsHtml(const QList<Shortcut>& shortcuts)
{
    QList<QStringList> keyRows, mouseRows;
    for (const Shortcut& s : shortcuts)
        keyRows.push_back({ s.keys, s.what, s.where });
    for (const Shortcut& s : mouseGestures())
        mouseRows.push_back({ s.keys, s.what, s.where });
    return QStringLiteral("<h3>") + tr("Keyboard").toHtmlEscaped() + QStringLiteral("</h3>")
        + table({ tr("Keys"), tr("Command"), tr("Where") }, keyRows) + QStringLiteral("<h3>")
        + tr("Mouse").toHtmlEscaped() + QStringLiteral("</h3>")
        + table({ tr("Gesture"), tr("What it does"), tr("Where") }, mouseRows);
}

QString HelpDialog::scoresHtml()
{
    registerBuiltinScorers();
    QString html = QStringLiteral("<p>")
        + tr("Each scorer's own definitions, as shardscope-cli scorers --columns prints them. A filter rule "
             "names a column; the scorer that makes it runs when the corpus is scanned.")
              .toHtmlEscaped()
        + QStringLiteral("</p>");
    for (const auto& scorer : ScorerRegistry::instance().createAll()) {
        html += QStringLiteral("<h3>") + QString::fromStdString(scorer->name()).toHtmlEscaped()
            + QStringLiteral("</h3><p>");
        const std::vector<ColumnInfo> columns = scorer->columns();
        // A one-column scorer's summary is mostly its column's definition: not twice.
        if (columns.size() != 1 || columns.front().definition != scorer->summary())
            html += QString::fromStdString(scorer->summary()).toHtmlEscaped();
        if (scorer->needsModel()) {
            html += QStringLiteral(" <i>") + tr("Needs a model.").toHtmlEscaped() + QStringLiteral("</i>");
            const std::string reason = scorer->unavailableReason();
            if (!reason.empty())
                html += QStringLiteral(" ") + QString::fromStdString(reason).toHtmlEscaped();
        }
        html += QStringLiteral("</p>");
        QList<QStringList> rows;
        for (const ColumnInfo& c : columns) {
            QString definition = QString::fromStdString(c.definition);
            if (c.categorical()) {
                QStringList labels;
                for (size_t i = 0; i < c.categories.size() && i < 12; ++i)
                    labels << QString::fromStdString(c.categories[i]);
                if (c.categories.size() > 12)
                    labels << QStringLiteral("…");
                definition += QLatin1Char(' ')
                    + tr("Categorical, %1 labels: %2")
                          .arg(QString::number(c.categories.size()), labels.join(QStringLiteral(", ")));
            }
            rows.push_back({ QString::fromStdString(c.name), definition });
        }
        html += table({ tr("Column"), tr("Definition") }, rows);
    }
    return html;
}

} // namespace shardscope
