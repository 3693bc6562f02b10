import pytest

from smoothnet.commands.config import get_cfg_defaults, load_config, read_config_file
from smoothnet.commands.settings import dataset_triples


def test_original_defaults():
    cfg = get_cfg_defaults()
    assert cfg.SEED_VALUE == 4321 and cfg.TRAIN.EPOCH == 70 and cfg.TRAIN.LRDECAY == 0.95
    assert cfg.EVALUATE.TRADITION_SAVGOL.WINDOW_SIZE == 31
    assert cfg.EVALUATE.TRADITION_ONEEURO.MIN_CUTOFF == 0.04
    assert cfg.DEVICE == "auto"
    assert "CUDNN" not in cfg and not any(k.startswith("ROOT_") for k in cfg.DATASET)


@pytest.mark.parametrize(
    "name,res,blocks,batch,lr",
    [
        ("aist_vibe_3D", 128, 5, 128, 1e-3),
        ("h36m_fcn_3D", 128, 5, 1024, 1e-3),
        ("pw3d_spin_3D", 16, 1, 128, 1e-4),
    ],
)
def test_the_three_original_yamls(name, res, blocks, batch, lr):
    cfg, _ = load_config("train", ["--cfg", f"configs/{name}.yaml"])
    assert (
        res,
        blocks,
        batch,
    ) == (cfg.MODEL.RES_HIDDEN_SIZE, cfg.MODEL.NUM_BLOCK, cfg.TRAIN.BATCH_SIZE)
    assert pytest.approx(lr) == cfg.TRAIN.LR and pytest.approx(0.1) == cfg.LOSS.W_ACCEL


def test_flags_and_overrides_and_reload(tmp_path):
    argv = [
        "--cfg",
        "configs/h36m_fcn_3D.yaml",
        "--dataset_name",
        "h36m",
        "--estimator",
        "fcn",
        "--body_representation",
        "3D",
        "--slide_window_size",
        "16",
        "TRAIN.EPOCH",
        "3",
        "MODEL.DROPOUT",
        "0.0",
    ]
    cfg, _ = load_config("train", argv)
    assert cfg.MODEL.SLIDE_WINDOW_SIZE == 16 and cfg.TRAIN.EPOCH == 3 and cfg.MODEL.DROPOUT == 0.0
    (tmp_path / "config.yaml").write_text(cfg.dump())
    again, _ = load_config("train", ["--cfg", str(tmp_path / "config.yaml")])
    assert again == cfg


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--cfg", "nope.yaml"], "--cfg nope.yaml: file not found"),
        (["TRAIN.NOT_A_KEY", "1"], "TRAIN.NOT_A_KEY"),
        (["TRAIN.EPOCH"], "KEY VALUE pairs"),
        (["TRAIN.EPOCH", "many"], "config override"),
    ],
)
def test_bad_config_is_one_clear_line(argv, message, capsys):
    with pytest.raises(SystemExit):
        load_config("train", argv)
    assert message in capsys.readouterr().err


def test_dataset_lists_pair_up():
    cfg = get_cfg_defaults()
    cfg.DATASET_NAME, cfg.ESTIMATOR, cfg.BODY_REPRESENTATION = "aist, pw3d", "vibe,spin", "3D"
    assert dataset_triples(cfg) == (("aist", "vibe", "3D"), ("pw3d", "spin", "3D"))
    cfg.ESTIMATOR = "a,b,c"
    with pytest.raises(ValueError, match="--estimator lists 3 value"):
        dataset_triples(cfg)
    cfg.DATASET_NAME = ""
    with pytest.raises(ValueError, match="--dataset_name"):
        dataset_triples(cfg)


def test_the_original_keys_nothing_reads_are_accepted_and_dropped(tmp_path):
    original = tmp_path / "original.yaml"
    original.write_text("DEBUG: True\nLOG:\n  NAME: ''\nTRAIN:\n  WORKERS_NUM: 16\n  EPOCH: 3\n")
    cfg, _ = load_config("train", ["--cfg", str(original)])
    assert cfg.TRAIN.EPOCH == 3
    assert "DEBUG" not in cfg and "LOG" not in cfg and "WORKERS_NUM" not in cfg.TRAIN


def test_retired_keys_of_old_files_and_overrides_load(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("CUDNN:\n  BENCHMARK: True\n  ENABLED: False\nDATASET:\n  ROOT_H36M_FCN_3D: [0]\n"
                   "  BASE_DIR: elsewhere\n")
    cfg, _ = load_config("train", ["--cfg", str(old), "CUDNN.BENCHMARK", "False"])
    assert cfg.DATASET.BASE_DIR == "elsewhere" and "CUDNN" not in cfg


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("evil.py", "import os\nos.system('touch pwned')\n", "a config is a YAML file"),
        ("cfg.txt", "TRAIN:\n  EPOCH: 3\n", "a config is a YAML file"),
        ("list.yaml", "- 1\n- 2\n", "the top level must be a mapping of keys, got a list"),
        ("bad.yaml", "TRAIN: [\n", "not valid YAML"),
        ("tag.yaml", "!!python/object/apply:os.system ['touch pwned']\n", "not valid YAML"),
    ],
)
def test_config_files_are_yaml_read_safely(tmp_path, monkeypatch, capsys, name, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(content)
    with pytest.raises(SystemExit):
        load_config("train", ["--cfg", name])
    assert message in capsys.readouterr().err
    assert not (tmp_path / "pwned").exists()


def test_a_dumped_config_reads_back(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(get_cfg_defaults().dump())
    assert read_config_file(path) == get_cfg_defaults()
