"""The installer script's inputs: every data file it lists exists, libzbar is bundled,
the translations compile, and the unused Qt modules stay out. (``make installer`` runs PyInstaller.)"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load():
    spec = importlib.util.spec_from_file_location("build_installer", ROOT / "build_installer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inputs_exist_and_translations_compile():
    installer = load()
    assert installer.check() == []
    assert (ROOT / "resources/locale/zh_CN/LC_MESSAGES/pos.mo").exists()


def test_spec_bundles_libzbar_escpos_data_and_leaves_out_web_engine(tmp_path, monkeypatch):
    installer = load()
    monkeypatch.setattr(installer, "BUILD", tmp_path)
    spec = installer.write_spec().read_text()
    assert "libzbar.so" in spec  # loaded by path from the bundle by hardware.decoding
    assert "'escpos'" in spec and "pos_app/db/migrations" in spec
    assert "PySide6.QtWebEngineCore" in spec
    compile(spec, "pos-app.spec", "exec")
