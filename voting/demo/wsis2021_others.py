"""Demo entries of the hackathon, the Healthy Ageing prize and the photo contest.

Invented teams, projects and photographers: any likeness to a real one is a
coincidence.
"""

# Challenge area slug -> [(team project title, team, organisation, country, summary)].
HACKATHON_TEAMS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "alzheimers-cognitive-decline": [
        ("MemoryLane", "Team Recall (5 members)", "University of Nairobi students", "KE",
         "A voice assistant that helps people with early dementia follow daily routines and alerts "
         "carers when something changes."),
        ("NeuroPlay", "Team Synapse (4 members)", "Independent", "IN",
         "Short daily brain games on a tablet that track reaction time and memory to flag "
         "cognitive decline early."),
        ("Familiar Faces", "Team Kinship (6 members)", "Independent", "BR",
         "A photo album app that reminds users who is calling or visiting, with names and shared "
         "memories."),
        ("SafeWalk Beacon", "Team Wayfinders (3 members)", "Polytechnic of Porto students", "PT",
         "A low-cost wearable that guides people with dementia home and notifies family if they "
         "wander."),
    ],
    "frailty": [
        ("StrongerTogether", "Team Vitality (5 members)", "Independent", "JP",
         "Group exercise sessions by video with a coach who adapts moves to each participant's "
         "strength."),
        ("FallGuard", "Team Balance (4 members)", "Independent", "NG",
         "Floor sensors and a smartphone app that detect falls and call for help without a "
         "wearable."),
        ("NutriCheck", "Team Plateful (4 members)", "University of Chile students", "CL",
         "A meal photo diary that spots malnutrition risks and suggests affordable local recipes."),
        ("Grip Strength Kiosk", "Team Handshake (5 members)", "Independent", "EG",
         "A pharmacy kiosk that measures grip strength and walking speed to screen for frailty."),
    ],
    "transportation-mobility": [
        ("RideCircle", "Team Carpool (6 members)", "Independent", "MX",
         "A volunteer ride-sharing app for older people in rural areas, with phone booking for "
         "those without smartphones."),
        ("Step-Free Routes", "Team Curb Cut (4 members)", "Independent", "DE",
         "A city map of step-free routes and working lifts, updated by users and transport "
         "operators."),
        ("Bus Stop Talk", "Team Announcer (3 members)", "Makerere University students", "UG",
         "Solar-powered bus stops that announce arrivals aloud in local languages."),
        ("Drive Longer Safely", "Team Roadwise (5 members)", "Independent", "KR",
         "An in-car coach that gives older drivers gentle feedback and suggests safer routes."),
    ],
    "financial-tools-longevity": [
        ("PensionPal", "Team Nest Egg (4 members)", "Independent", "PH",
         "A chat assistant that explains pension options and helps informal workers save small "
         "amounts by mobile money."),
        ("ScamStop for Seniors", "Team Shield (5 members)", "Independent", "GB",
         "Bank-side alerts that pause unusual transfers and call a trusted contact before money "
         "leaves the account."),
        ("Trusted Helper Access", "Team Delegate (3 members)", "Independent", "ZA",
         "Limited, revocable banking access that lets a family member help without sharing "
         "passwords."),
        ("Longevity Budget Planner", "Team Horizon (4 members)", "University of Toronto students", "CA",
         "A planner that turns expected lifespan, health costs and income into a simple monthly "
         "budget."),
    ],
}

# (title, organisation, country, summary) for the twelve finalists.
HEALTHY_AGEING_FINALISTS: list[tuple[str, str, str, str]] = [
    ("CareCircle Home Monitoring", "CareCircle Health", "SE",
     "Passive home sensors that learn daily routines and alert carers to changes that may signal illness."),
    ("Hear Again Clinics", "SoundLife Foundation", "IN",
     "Smartphone hearing tests and low-cost hearing aids fitted by trained community workers."),
    ("Golden Age Digital Club", "Seniors Online Association", "AR",
     "Community centres where older people learn digital skills from each other and from teenagers."),
    ("Medication Mate", "PillPal Technologies", "IE",
     "A talking pill dispenser that reminds, records and reports missed doses to pharmacists."),
    ("Village Health Volunteers App", "Rural Elder Care Network", "TH",
     "Tablets that help village volunteers check blood pressure, mood and mobility of older neighbours."),
    ("TeleRehab at Home", "Motion Recovery Lab", "IL",
     "Physiotherapy after stroke at home, guided by a camera that counts and corrects exercises."),
    ("Loneliness Line", "Friendly Voices Trust", "AU",
     "Daily check-in calls by volunteers, scheduled and logged by a simple web platform."),
    ("Vision Screening in Markets", "ClearSight Africa", "KE",
     "Market-day eye screening with a phone app and same-day glasses for older traders."),
    ("Smart Cane", "WalkWise Devices", "TR",
     "A cane with fall detection, GPS and an emergency button that works without a smartphone."),
    ("Age-Friendly City Dashboard", "Urban Ageing Observatory", "CO",
     "Open data on benches, toilets, crossings and transport that helps cities plan for older residents."),
    ("Digital Memory Books", "Reminisce Studio", "NZ",
     "Personal digital memory books made with families to support people living with dementia."),
    ("Caregiver Support Network", "Carers Together", "GH",
     "Training, peer groups and respite booking for family caregivers, by app and by phone."),
]

# (title, photographer, country, caption, palette index, motif) for the photo contest.
PHOTOS: list[tuple[str, str, str, str, int, str]] = [
    ("Solar Signal at Dawn", "Amina Diallo", "SN",
     "A solar-powered mast above a fishing village as the first boats return (SDG 7, SDG 9).", 0, "sun"),
    ("Lesson by Lamplight", "Rahul Menon", "IN",
     "Children follow an online class on a shared tablet in the evening (SDG 4).", 1, "windows"),
    ("The Mobile Market", "Lucía Fernández", "PE",
     "A farmer checks the day's prices on her phone before the market opens (SDG 2, SDG 8).", 2, "hills"),
    ("Clinic on the Line", "Joseph Mwangi", "KE",
     "A nurse consults a specialist by video from a remote health post (SDG 3).", 3, "circles"),
    ("Water, Measured", "Sara Haddad", "JO",
     "A technician reads a smart water meter in a desert town (SDG 6).", 4, "waves"),
    ("Grandmother Goes Online", "Mei Lin", "CN",
     "A grandmother makes her first video call to her grandson abroad (SDG 10).", 5, "circles"),
    ("Code Club", "Olga Petrova", "KZ",
     "Girls build their first website in a community code club (SDG 5).", 6, "windows"),
    ("Watching the Forest", "Tiago Santos", "BR",
     "Rangers check satellite fire alerts at the edge of the rainforest (SDG 13, SDG 15).", 7, "hills"),
]
