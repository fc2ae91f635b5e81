"""Settings of a store terminal, each declared once with its key, default, type and description.

Data and configuration live in one folder: ``--home`` on the command line, else ``$POS_HOME``, else
the platform's user data folder (platformdirs). ``settings.json`` in that folder holds what differs from
the defaults; unknown keys are kept (a newer version may have written them) but ignored.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import platformdirs

from pos_app.i18n import N_

log = logging.getLogger(__name__)

ENV_HOME = "POS_HOME"
APP_NAME = "o2o-store"
T = TypeVar("T")

_REGISTRY: dict[str, ConfigVar[Any]] = {}


@dataclass(frozen=True)
class ConfigVar(Generic[T]):
    """One setting. ``description`` is marked for translation and shown in the settings screen."""

    key: str
    default: T
    type_: type
    description: str
    choices: tuple[Any, ...] | None = None
    validate: Callable[[Any], bool] | None = None

    def __post_init__(self) -> None:
        if self.key in _REGISTRY:
            raise ValueError(f"setting {self.key!r} declared twice")
        _REGISTRY[self.key] = self

    def coerce(self, value: Any) -> T:
        """``value`` as this setting's type; raises ``ValueError`` when it is not one (a typo in the
        settings file must not quietly turn a switch off)."""
        if self.type_ is bool:
            value = _as_bool(self.key, value)
        elif self.type_ in (list, dict):
            if not isinstance(value, self.type_):
                raise ValueError(f"{self.key}: expected {self.type_.__name__}")
        elif value is not None and not isinstance(value, self.type_):
            value = self.type_(value)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{self.key}: {value!r} is not one of {list(self.choices)}")
        if self.validate is not None and not self.validate(value):
            raise ValueError(f"{self.key}: {value!r} is not valid")
        return value


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{key}: {value!r} is not yes or no (true/false, on/off, 1/0)")


def _valid_scale_layout(rules: list) -> bool:
    from pos_app.domain.scale_labels import ScaleLayout

    try:
        ScaleLayout.from_config(rules)
    except (KeyError, TypeError, ValueError):
        return False
    return True


def registry() -> dict[str, ConfigVar[Any]]:
    return dict(_REGISTRY)


# --- store and terminal ---------------------------------------------------------------------------
LANGUAGE = ConfigVar("ui.language", "zh_CN", str, N_("Language of the screens"), choices=("zh_CN", "en"))
RECEIPT_LANGUAGE = ConfigVar(
    "receipt.language", "zh_CN", str, N_("Language of printed receipts"), choices=("zh_CN", "en")
)
STORE_NAME = ConfigVar("store.name", "O2O 示范店 Demo Store", str, N_("Store name on receipts"))
STORE_ADDRESS = ConfigVar("store.address", "上海市静安区南京西路 1 号", str, N_("Store address on receipts"))
STORE_TAX_ID = ConfigVar("store.tax_id", "91310000MA1FL0000X", str, N_("Taxpayer ID on receipts"))
STORE_CODE = ConfigVar("store.code", "S001", str, N_("Store code given by the central platform"))
STORE_ID = ConfigVar(
    "store.id",
    0,
    int,
    N_("Store number on the central platform (set at enrolment; pickup and coupon codes name it)"),
)
TERMINAL_CODE = ConfigVar("terminal.code", "T01", str, N_("Terminal code within the store"))
CURRENCY = ConfigVar("money.currency", "CNY", str, N_("Currency of the store"))
CASH_ROUNDING = ConfigVar(
    "money.cash_rounding",
    "none",
    str,
    N_(
        "Cash rounding: none; to the jiao (0.10) half up or down (抹零); to the yuan (1.00) half up or "
        "down (抹角), the latter two in the customer's favour"
    ),
    choices=("none", "nearest_10", "down_10", "nearest_100", "down_100"),
)
FREE_UNITS = ConfigVar(
    "promotions.free_units",
    "cheapest_overall",
    str,
    N_(
        "Buy N get M and the Nth unit at a discount over goods of different prices: the cheapest units "
        "of all (cheapest_overall) or the cheapest of each group (cheapest_per_group)"
    ),
    choices=("cheapest_overall", "cheapest_per_group"),
)
TAX_ROUNDING = ConfigVar(
    "tax.rounding",
    "per_rate",
    str,
    N_(
        "Tax on receipts: per rate (the sum of a rate's lines, then rounded) or per line (each line "
        "rounded, as on an e-fapiao)"
    ),
    choices=("per_rate", "per_line"),
)
POINTS_PER_YUAN = ConfigVar("points.earn_per_yuan", 1, int, N_("Points earned per yuan spent"))
POINTS_VALUE = ConfigVar("points.fen_per_100_points", 100, int, N_("Value of 100 points in fen"))
POINTS_MAX_SHARE = ConfigVar(
    "points.max_share_percent", 50, int, N_("Largest share of a sale payable with points, in percent")
)
POINTS_OFFLINE_LIMIT = ConfigVar(
    "points.offline_limit", 5000, int, N_("Points a member may spend on this terminal while offline")
)
SCALE_LAYOUT = ConfigVar(
    "scan.scale_layout",
    [
        {"flag": "21", "preset": "dahua-13-amount"},
        {"flag": "22", "preset": "dahua-13-weight"},
    ],
    list,
    N_(
        "Labels the scales print: a flag (1 or 2 digits from 2) and a preset (dahua-13-amount, "
        "dahua-13-weight, dahua-18, aclas-13-amount, aclas-13-weight, aclas-13-plu6-weight, aclas-18, "
        "gs1-price-verifier) or a layout such as FFIIIIIPPPPPWWWWWC (F flag, I PLU, P amount in fen, "
        "W weight in grams, V price verifier, C check digit)"
    ),
    validate=_valid_scale_layout,
)
EXPIRED_GOODS = ConfigVar(
    "scan.expired_goods",
    "warn",
    str,
    N_("A product scanned past the expiry date its GS1 code carries: warn the cashier, or refuse it"),
    choices=("warn", "refuse"),
)
SCAN_HOLD_OFF_MS = ConfigVar(
    "scan.hold_off_ms", 1500, int, N_("Ignore the same code from the camera for this long (ms)")
)
PLATFORM_KEYS = ConfigVar(
    "sync.platform_keys",
    {},
    dict,
    N_("Public keys of the central platform, by key id (set at enrolment)"),
)
MEMBER_LOOKUP_SALT = ConfigVar(
    "members.lookup_salt",
    "o2o-demo-salt",
    str,
    N_("Salt of the members' phone lookup keys (from the platform)"),
)
E_RECEIPT_URL = ConfigVar(
    "receipt.e_receipt_url", "https://r.o2o.example/", str, N_("Address printed in the receipt's QR code")
)
CENTRAL_URL = ConfigVar("sync.central_url", "", str, N_("Address of the central platform"))
SYNC_DEVICE_KEY_FILE = ConfigVar(
    "sync.device_key_file",
    "device-key.hex",
    str,
    N_("File (in the data folder) with this terminal's private signing key, made at enrolment"),
)
SYNC_INTERVAL = ConfigVar(
    "sync.interval_seconds",
    15,
    int,
    N_("Seconds between two syncs when nothing new happens"),
    validate=lambda v: 1 <= v <= 3600,
)
SYNC_HEARTBEAT = ConfigVar(
    "sync.heartbeat_seconds",
    5,
    int,
    N_("Seconds between two checks that the platform can still be reached (between syncs)"),
    validate=lambda v: 1 <= v <= 300,
)
SYNC_PUSH_BATCH = ConfigVar(
    "sync.push_batch",
    500,
    int,
    N_("Events sent to the platform in one request (50-500)"),
    validate=lambda v: 50 <= v <= 500,
)
SYNC_PULL_PAGE = ConfigVar(
    "sync.pull_page",
    2000,
    int,
    N_("Rows of reference data asked for in one request"),
    validate=lambda v: 100 <= v <= 5000,
)
SYNC_MAX_BACKOFF = ConfigVar(
    "sync.max_backoff_seconds",
    60,
    int,
    N_("Longest wait between two attempts while the platform cannot be reached"),
    validate=lambda v: 1 <= v <= 3600,
)
SYNC_ONLINE_TIMEOUT_MS = ConfigVar(
    "sync.online_timeout_ms",
    300,
    int,
    N_("How long the till waits for the platform's answer to a coupon or points question (ms)"),
    validate=lambda v: 50 <= v <= 5000,
)

# --- devices (hardware/factory.py builds them from these) -----------------------------------------
PRINTER_KIND = ConfigVar(
    "printer.kind",
    "none",
    str,
    N_("Receipt printer: none, network, serial, usb, file, text, or fake (training without a printer)"),
    choices=("none", "network", "serial", "usb", "file", "text", "fake"),
)
PRINTER_CONNECTION = ConfigVar(
    "printer.connection",
    "",
    str,
    N_(
        "Where the receipt printer is: host or host:port (network), a serial port, vendor:product in hex "
        "(USB, e.g. 0416:5011), or a file or device path such as /dev/usb/lp0"
    ),
)
PRINTER_BAUDRATE = ConfigVar("printer.baudrate", 9600, int, N_("Speed of a serial receipt printer (baud)"))
PRINTER_WIDTH_MM = ConfigVar(
    "printer.width_mm", 80, int, N_("Receipt paper width in millimetres: 58 or 80"), choices=(58, 80)
)
PRINTER_CHARSET = ConfigVar(
    "printer.charset",
    "gb18030",
    str,
    N_("Printer characters: gb18030 (printers with a Chinese font) or ascii (Chinese printed in pinyin)"),
    choices=("gb18030", "ascii"),
)
PRINTER_NATIVE_QR = ConfigVar(
    "printer.native_qr",
    True,
    bool,
    N_("Let the printer draw QR codes itself (turn off for printers without QR support)"),
)
PRINTER_DRAWER_PIN = ConfigVar(
    "printer.drawer_pin", 2, int, N_("Cash drawer connector pin on the printer: 2 or 5"), choices=(2, 5)
)
PRINTER_CHECK_STATUS = ConfigVar(
    "printer.check_status",
    True,
    bool,
    N_("Ask the printer about paper and cover before and after each receipt"),
)
SCANNER_KIND = ConfigVar(
    "scanner.kind",
    "wedge",
    str,
    N_("Barcode reader: wedge (acts as a keyboard), serial, both, or none"),
    choices=("wedge", "serial", "both", "none"),
)
SCANNER_PORT = ConfigVar(
    "scanner.port", "", str, N_("Serial port of the barcode reader, e.g. /dev/ttyACM0 or COM3")
)
SCANNER_BAUDRATE = ConfigVar("scanner.baudrate", 9600, int, N_("Speed of a serial barcode reader (baud)"))
SCANNER_PREFIX = ConfigVar(
    "scanner.prefix", "", str, N_("Characters the barcode reader sends before each code")
)
SCANNER_SUFFIX = ConfigVar(
    "scanner.suffix", "", str, N_("Characters the barcode reader sends after each code")
)
SCANNER_MAX_GAP_MS = ConfigVar(
    "scanner.max_gap_ms",
    30,
    int,
    N_("Longest pause between two keys of a keyboard-wedge reader (ms); slower typing is a person"),
    validate=lambda v: 5 <= v <= 200,
)
SCANNER_MIN_LENGTH = ConfigVar(
    "scanner.min_length", 4, int, N_("Fewest characters a keyboard-wedge scan has"), validate=lambda v: v >= 1
)
SCANNER_LAYOUT = ConfigVar(
    "scanner.keyboard_layout",
    "auto",
    str,
    N_("Keyboard layout the wedge reader types through: auto, us, azerty or qwertz"),
    choices=("auto", "us", "azerty", "qwertz"),
)
SCANNER_REQUIRE_TERMINATOR = ConfigVar(
    "scanner.require_terminator",
    True,
    bool,
    N_("A keyboard-wedge scan ends with Enter or Tab (turn off for readers set up without one)"),
)
CAMERA_SOURCE = ConfigVar(
    "camera.source",
    "",
    str,
    N_(
        "Camera used as a barcode scanner: a device number (0), a video file, or an rtsp:// or "
        "http:// address; empty for none"
    ),
)
CAMERA_WIDTH = ConfigVar("camera.width", 1280, int, N_("Camera picture width (pixels)"))
CAMERA_HEIGHT = ConfigVar("camera.height", 720, int, N_("Camera picture height (pixels)"))
CAMERA_FORMATS = ConfigVar(
    "camera.formats",
    ["qr", "ean13", "ean8", "upca", "upce", "code128", "gs1_128", "databar", "databar_expanded"],
    list,
    N_("Barcode types the camera looks for"),
    validate=lambda formats: all(
        f in {"qr", "ean13", "ean8", "upca", "upce", "code128", "gs1_128", "databar", "databar_expanded"}
        for f in formats
    ),
)
DISPLAY_KIND = ConfigVar(
    "display.kind",
    "none",
    str,
    N_("Customer display: none, window (a second monitor), serial (a pole display), or fake"),
    choices=("none", "window", "serial", "fake"),
)
DISPLAY_PORT = ConfigVar("display.port", "", str, N_("Serial port of the pole display"))
DISPLAY_BAUDRATE = ConfigVar("display.baudrate", 9600, int, N_("Speed of the pole display (baud)"))
DISPLAY_COMMAND_SET = ConfigVar(
    "display.command_set",
    "cd5220",
    str,
    N_("Pole display commands: cd5220 (most two-line displays), epson, or led8 (8-digit price displays)"),
    choices=("cd5220", "epson", "led8"),
)
DISPLAY_CHARSET = ConfigVar(
    "display.charset",
    "ascii",
    str,
    N_("Pole display characters: ascii (Chinese shown in pinyin) or gb18030"),
    choices=("ascii", "gb18030"),
)
DISPLAY_LANGUAGE = ConfigVar(
    "display.language", "zh_CN", str, N_("Language of the customer display"), choices=("zh_CN", "en")
)
DISPLAY_PAYMENT_QR = ConfigVar(
    "display.payment_qr",
    "",
    str,
    N_("The store's own payment QR code, shown to customers when they pay (empty: none)"),
)
PAYMENT_TERMINAL = ConfigVar(
    "payment.terminal",
    "none",
    str,
    N_("Card terminal: none, or simulator (training and tests)"),
    choices=("none", "simulator"),
)
PAYMENT_TERMINAL_TIMEOUT_S = ConfigVar(
    "payment.terminal_timeout_s", 90, int, N_("How long to wait for the card terminal's answer (seconds)")
)
PAYMENT_GATEWAY = ConfigVar(
    "payment.mobile_gateway",
    "none",
    str,
    N_("WeChat Pay and Alipay gateway: none, or simulator (training and tests)"),
    choices=("none", "simulator"),
)
PAYMENT_CASH_CONFIRM_ABOVE = ConfigVar(
    "payment.cash_confirm_change_above",
    100,
    int,
    N_("Change (in yuan) above which the cashier confirms the cash received before it is taken"),
    validate=lambda v: 1 <= v <= 10_000,
)
SALE_OPEN_PRICE = ConfigVar(
    "sale.open_price_item",
    False,
    bool,
    N_("Cashiers may ring up goods without a barcode as an 'other item' at a price they type"),
)
SALE_OPEN_PRICE_MAX = ConfigVar(
    "sale.open_price_max",
    200,
    int,
    N_("Highest price of an 'other item' (yuan)"),
    validate=lambda v: 1 <= v <= 100_000,
)
PAYMENT_OFFER_QR = ConfigVar(
    "payment.offer_qr", False, bool, N_("Offer customers a QR code to scan and pay on the customer display")
)


class Settings:
    """The settings of one terminal, read from and written to ``<home>/settings.json``.

    Thread-safe; readers get the default of any setting not in the file.
    """

    def __init__(self, home: Path, values: dict[str, Any] | None = None) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._values: dict[str, Any] = dict(values or {})
        self._warned: set[str] = set()

    @property
    def file(self) -> Path:
        return self.home / "settings.json"

    @classmethod
    def load(cls, home: Path) -> Settings:
        home.mkdir(parents=True, exist_ok=True)
        settings = cls(home)
        if settings.file.exists():
            try:
                data = json.loads(settings.file.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise SettingsError(f"{settings.file} is not readable JSON: {exc}") from exc
            if not isinstance(data, dict):
                raise SettingsError(f"{settings.file} must hold a JSON object")
            settings._values = data
        return settings

    def get(self, var: ConfigVar[T]) -> T:
        with self._lock:
            if var.key not in self._values:
                default = var.default
                return json.loads(json.dumps(default)) if isinstance(default, list | dict) else default
            try:
                return var.coerce(self._values[var.key])
            except (TypeError, ValueError) as exc:
                if var.key not in self._warned:  # once per setting: get() runs on every scan
                    self._warned.add(var.key)
                    log.warning("%s: %s; using the default %r", self.file, exc, var.default)
                return var.default

    def setdefault(self, var: ConfigVar[T], value: T) -> None:
        """Set ``var`` to ``value`` unless the file sets it already (a person's choice stays)."""
        with self._lock:
            if var.key in self._values:
                return
        self.set(var, value)

    def set(self, var: ConfigVar[T], value: T) -> None:
        value = var.coerce(value)
        with self._lock:
            self._values[var.key] = value
            self._save_locked()

    def _save_locked(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self._values, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
        os.replace(tmp, self.file)

    @property
    def database_file(self) -> Path:
        return self.home / "store.sqlite3"


class SettingsError(RuntimeError):
    pass


def resolve_home(cli_home: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``--home``, else ``$POS_HOME``, else the platform's user data folder."""
    if cli_home:
        return Path(cli_home).expanduser().resolve()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
