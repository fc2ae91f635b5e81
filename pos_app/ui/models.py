"""Qt item models over the snapshots (QAbstractTableModel: a QTableWidget with many items is slow)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from pos_app.domain.catalog import Product, Unit
from pos_app.i18n import _, current_language
from pos_app.ui.views import BasketView, LineView, money

_GREY = QBrush(QColor("#9ca3af"))
_DISCOUNT = QBrush(QColor("#146c2e"))


def _shown(line: LineView) -> tuple:
    """Everything a basket row shows: a row whose ``_shown`` is unchanged needs no new layout (a basket
    discount moves no line's amount: it is a row of its own)."""
    return (
        line.name,
        line.quantity,
        line.unit_price,
        line.net,
        line.discounts,
        line.voided,
        line.price_note,
    )


class BasketModel(QAbstractTableModel):
    """The basket lines: item (with its own discounts underneath), quantity, unit price, amount after
    those discounts; then one row per basket-level discount (满减, coupons). The amount column adds up to
    the total, as on the receipt."""

    COLUMNS = 4

    def __init__(self) -> None:
        super().__init__()
        self.lines: tuple[LineView, ...] = ()
        self.basket_discounts: tuple[tuple[str, str], ...] = ()
        self.touched: list[int] | None = None

    def headers(self) -> list[str]:
        return [_("Item"), _("Qty"), _("Price"), _("Amount")]

    def set_view(self, view: BasketView) -> int | None:
        """Show ``view``; returns the row of a line that was added (to scroll to and select), if any.

        A scan appends a line or changes one: the model says exactly that (rows inserted, rows
        changed), so the view re-measures those rows only; anything else (a line gone, a new basket,
        a basket discount appearing or going) resets the model. ``touched`` holds the rows to
        re-measure, or None after a reset."""
        old, new = self.lines, view.lines
        old_extra, new_extra = self.basket_discounts, view.basket_discounts
        same_prefix = len(new) >= len(old) and all(
            a.line_id == b.line_id for a, b in zip(old, new, strict=False)
        )
        if not same_prefix or len(old_extra) != len(new_extra):
            before = {line.line_id for line in old}
            self.beginResetModel()
            self.lines, self.basket_discounts = new, new_extra
            self.endResetModel()
            self.touched = None
            return next((row for row, line in enumerate(new) if line.line_id not in before), None)
        changed = [row for row, (a, b) in enumerate(zip(old, new, strict=False)) if _shown(a) != _shown(b)]
        if len(new) > len(old):
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)  # above the discount rows
            self.lines = new
            self.endInsertRows()
        else:
            self.lines = new
        self.basket_discounts = new_extra
        changed += [len(new) + i for i, (a, b) in enumerate(zip(old_extra, new_extra, strict=True)) if a != b]
        for row in changed:
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.COLUMNS - 1))
        self.touched = changed + list(range(len(old), len(new)))
        return len(old) if len(new) > len(old) else None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines) + len(self.basket_discounts)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return self.COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft if section == 0 else Qt.AlignmentFlag.AlignRight) | int(
                Qt.AlignmentFlag.AlignVCenter
            )
        return None

    def line_at(self, row: int) -> LineView | None:
        """The basket line on ``row``; None for a basket discount's row."""
        return self.lines[row] if 0 <= row < len(self.lines) else None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if index.isValid() and index.row() >= len(self.lines):
            return Qt.ItemFlag.ItemIsEnabled  # a basket discount: nothing to select or void
        return super().flags(index)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if index.row() >= len(self.lines):
            return self._discount_data(self.basket_discounts[index.row() - len(self.lines)], column, role)
        line = self.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                text = line.name
                for name, amount in line.discounts:
                    text += f"\n   {name}  {amount}"
                if line.price_note:
                    text += f"\n   {line.price_note}"
                return text
            if column == 1:
                return line.quantity
            if column == 2:
                return line.unit_price
            return line.net
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if line.voided:
                return _GREY
            if column == 3 and line.discounts:
                return _DISCOUNT
        if role == Qt.ItemDataRole.FontRole and line.voided:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return line.sku
        return None

    @staticmethod
    def _discount_data(discount: tuple[str, str], column: int, role: int) -> Any:
        name, amount = discount
        if role == Qt.ItemDataRole.DisplayRole:
            return name if column == 0 else amount if column == 3 else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _DISCOUNT
        return None


def _alignment(column: int) -> int:
    if column == 0:
        return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ProductListModel(QAbstractListModel):
    """Search results: name, SKU and price on one row."""

    def __init__(self) -> None:
        super().__init__()
        self.products: list[Product] = []

    def set_products(self, products: list[Product]) -> None:
        self.beginResetModel()
        self.products = list(products)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.products)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        product = self.products[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return product.name.get(current_language())
        if role == PRICE_ROLE:
            return money(product.price) + ("/kg" if product.unit is Unit.KG else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return product.sku
        if role == Qt.ItemDataRole.UserRole:
            return product
        return None


PRICE_ROLE = Qt.ItemDataRole.UserRole + 1


class ProductDelegate(QStyledItemDelegate):
    """A search result: the name on the left, the price on the right, 44 px high for touch."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(0, 44)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        price = index.data(PRICE_ROLE) or ""
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = option.rect.adjusted(10, 0, -10, 0)
        painter.save()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        metrics = painter.fontMetrics()
        price_width = metrics.horizontalAdvance(price) + 12
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), price)
        painter.setFont(option.font)
        name_rect = rect.adjusted(0, 0, -price_width, 0)
        name = painter.fontMetrics().elidedText(
            index.data() or "", Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(name_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        painter.restore()
