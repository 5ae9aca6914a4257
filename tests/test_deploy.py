"""The deploy files: each compose profile validates, the services' environment names only settings the code reads,
nothing but the API is published (and that on loopback), models are read-only, the offline variables are set."""
import shutil
import subprocess

import pytest
import yaml

from services.settings import variables
from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
PROFILES = {"vllm": "vllm", "tgi": "tgi", "llamacpp": "llamacpp", "vllm-lora": "vllm-lora"}
PERIMETER_SERVICES = ("api", "worker", "worker-gpu", "beat")
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1"}
# Variables that are not Perimeter settings but that the code or its libraries read.
OTHER_KNOWN = {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "DO_NOT_TRACK",
               "ANONYMIZED_TELEMETRY", "TIKTOKEN_ENCODINGS_BASE", "UNSTRUCTURED_DISABLE_NOTICE",
               "TOKENIZERS_PARALLELISM"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


setting_variables = variables  # every PERIMETER_* variable a setting is read from (services/settings.py)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_docker_compose_config_validates_each_profile(profile):
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose; make install installs it)")
    env_file = REPO / "deploy" / "profiles" / f"{profile}.env"
    base = ["docker-compose", "-f", str(COMPOSE), "--env-file", str(env_file), "--profile", profile]
    done = subprocess.run(base + ["config", "-q"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(subprocess.run(base + ["config"], capture_output=True, text=True, cwd=REPO,
                                             timeout=60, check=True).stdout)
    api_env = resolved["services"]["api"]["environment"]
    assert api_env["PERIMETER_LLM_URL"] == "http://llm:8000"
    assert api_env["PERIMETER_LLM_RESPONSE_FORMAT"] == {"vllm": "openai", "tgi": "tgi", "llamacpp": "llamacpp",
                                                        "vllm-lora": "openai"}[profile]
    server = resolved["services"][PROFILES[profile]]
    assert "llm" in server["networks"]["internal"]["aliases"]


def test_perimeter_services_environment_is_settings_the_code_reads():
    services = compose()["services"]
    known = setting_variables()
    for name in PERIMETER_SERVICES:
        env = services[name]["environment"]
        unknown = {k for k in env if k.startswith("PERIMETER_") and k not in known}
        assert not unknown, f"{name}: {sorted(unknown)} are not fields of services/settings.py"
        foreign = {k for k in env if not k.startswith("PERIMETER_") and k not in OTHER_KNOWN}
        assert not foreign, f"{name}: unexpected variables {sorted(foreign)}"
        assert env["PERIMETER_CHROMA_URL"] == "http://chroma:8000"
        assert env["PERIMETER_REDIS_URL"] == "redis://redis:6379/0"
    assert services["worker"]["command"][:3] == ["celery", "-A", "services.worker.celery_app:app"]
    assert services["worker-gpu"]["command"][:-2] == services["worker"]["command"]
    assert services["beat"]["command"][-1] == "beat"
    assert services["api"]["command"][:2] == ["perimeter", "serve"]


def test_profiles_are_offline_private_and_read_only():
    data = compose()
    services = data["services"]
    assert data["networks"]["internal"]["internal"] is True
    for name, service in services.items():
        ports = service.get("ports", [])
        assert name == "api" or not ports, f"{name} publishes {ports}"
        assert all(str(p).startswith("127.0.0.1:") for p in ports)
        if name in PROFILES.values() or name in PERIMETER_SERVICES:
            env = service["environment"]
            assert all(env.get(k) == v for k, v in OFFLINE.items()), name
            assert "TIKTOKEN_ENCODINGS_BASE" in env, name
            assert any(v.endswith(":/models:ro") for v in service["volumes"]), name
        if name in PROFILES.values():
            assert service["profiles"] == [name]
    assert "--quantize" in services["tgi"]["command"] and "--n-cpu-moe" in services["llamacpp"]["command"]


def test_the_gpu_worker_is_the_worker_with_cuda_torch_and_a_gpu():
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose; make install installs it)")
    base = ["docker-compose", "-f", str(COMPOSE), "--env-file", str(REPO / "deploy" / "profiles" / "vllm.env"),
            "--profile", "vllm", "--profile", "gpu-worker"]
    resolved = yaml.safe_load(subprocess.run(base + ["config"], capture_output=True, text=True, cwd=REPO,
                                             timeout=60, check=True).stdout)
    gpu, cpu = resolved["services"]["worker-gpu"], resolved["services"]["worker"]
    assert gpu["environment"] == cpu["environment"] and gpu["volumes"] == cpu["volumes"]
    assert gpu["build"]["args"]["TORCH_INDEX"].endswith("/cu128") and gpu["image"] != cpu["image"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert "ARG TORCH_INDEX" in (REPO / "deploy" / "Dockerfile").read_text()
    assert compose()["services"]["worker-gpu"]["profiles"] == ["gpu-worker"]  # only where asked for


def test_the_lora_profile_serves_the_adapter_its_assistant_asks_for():
    """vllm-lora: vLLM serves the adapter under the name deploy/assistants-lora.yaml's assistant asks for, beside a
    base model of the name the profile's settings ask for by default."""
    from services.assistants import load_assistants

    server = compose()["services"]["vllm-lora"]
    command = server["command"]
    adapters = dict(a.split("=", 1) for a in command[command.index("--lora-modules") + 1:] if "=" in a)
    assert "--enable-lora" in command and server["profiles"] == ["vllm-lora"]
    env = dict(line.split("=", 1) for line in (REPO / "deploy" / "profiles" / "vllm-lora.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert command[command.index("--served-model-name") + 1] == env["PERIMETER_LLM_MODEL"]
    models = {a.name: a.model for a in load_assistants(REPO / "deploy" / "assistants-lora.yaml")}
    assert models == {"general": None, "regulations": "acme-regulations"}
    assert adapters == {"acme-regulations": "/models/lora/acme-regulations"}
    assert env["PERIMETER_ASSISTANTS_FILE"].startswith("/data/")  # on the data volume, beside sources.yaml
