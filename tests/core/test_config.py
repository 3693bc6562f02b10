import pytest

from smoothnet.core.config import dataset_triples, get_cfg_defaults, load_config


def test_original_defaults_and_derived_root_keys():
    cfg = get_cfg_defaults()
    assert cfg.SEED_VALUE == 4321 and cfg.TRAIN.EPOCH == 70 and cfg.TRAIN.LRDECAY == 0.95
    assert cfg.EVALUATE.TRADITION_SAVGOL.WINDOW_SIZE == 31
    assert cfg.EVALUATE.TRADITION_ONEEURO.MIN_CUTOFF == 0.04
    assert cfg.DATASET.ROOT_H36M_FCN_3D == [0]
    assert cfg.DATASET.ROOT_AIST_VIBE_3D == [2, 3]
    assert cfg.DATASET.ROOT_MPIINF3DHP_SPIN_3D == [14]
    assert cfg.DATASET.ROOT_PW3D_SPIN_3D == [2, 3]
    assert cfg.DEVICE in ("cpu", "cuda")


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
    assert dataset_triples(cfg) == [("aist", "vibe", "3D"), ("pw3d", "spin", "3D")]
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
